"""The Docker and Kubernetes descriptions stay in step with the settings the services read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from shared.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SERVICES = {"catalog", "events", "matching", "web"}
REQUIRED_ENVIRONMENT = {
    "KAFKA_BOOTSTRAP_SERVERS", "REDIS_URL", "KAFKA_IDEMPOTENCE", "OPERATOR_VERIFY_KEY",
    "WEB_VERIFY_KEY",
}  # fmt: skip


def _documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def test_required_environment_names_are_settings() -> None:
    assert {name.lower() for name in REQUIRED_ENVIRONMENT} <= set(Settings.model_fields)


def test_compose_runs_kafka_in_kraft_mode_redis_with_aof_and_every_service() -> None:
    compose = _documents(DEPLOY / "docker-compose.yml")[0]["services"]
    assert "controller" in compose["kafka"]["environment"]["KAFKA_PROCESS_ROLES"]
    assert "--appendonly" in compose["redis"]["command"]
    assert set(compose) >= SERVICES
    for name in SERVICES:
        environment = compose[name]["environment"]
        assert set(environment) >= REQUIRED_ENVIRONMENT, name
        assert environment["SERVICE"] == name
        assert environment["KAFKA_IDEMPOTENCE"] == "true"  # Apache Kafka supports it
        assert compose[name]["build"]["dockerfile"] == "deploy/Dockerfile"
        signing = {variable for variable in environment if variable.endswith("_SIGNING_KEY")}
        assert signing == ({"WEB_SIGNING_KEY"} if name == "web" else set()), name
    assert compose["web"]["environment"]["EVENTS_URL"] == "http://events:8000"


def test_kubernetes_deploys_every_service_with_probes_and_the_secret_from_outside() -> None:
    kustomization = _documents(DEPLOY / "k8s" / "kustomization.yaml")[0]
    manifests = [
        doc
        for resource in kustomization["resources"]
        for doc in _documents(DEPLOY / "k8s" / resource)
    ]
    deployments = {d["metadata"]["name"]: d for d in manifests if d["kind"] == "Deployment"}
    assert set(deployments) == SERVICES
    config = next(d for d in manifests if d["kind"] == "ConfigMap")["data"]
    for name, deployment in deployments.items():
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        names = {variable["name"] for variable in container["env"]} | set(config)
        assert names >= REQUIRED_ENVIRONMENT, name
        for key in ("OPERATOR_VERIFY_KEY", "WEB_VERIFY_KEY"):
            secret = next(v for v in container["env"] if v["name"] == key)
            assert "secretKeyRef" in secret["valueFrom"]
        signing = {v["name"] for v in container["env"] if v["name"].endswith("_SIGNING_KEY")}
        assert signing == ({"WEB_SIGNING_KEY"} if name == "web" else set()), name
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert not any(d["kind"] == "Secret" for d in manifests)


def test_dockerfile_serves_the_service_named_by_the_environment() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "services.${SERVICE}.app:app" in dockerfile


def test_the_broker_is_reachable_only_from_inside_the_stack() -> None:
    compose = _documents(DEPLOY / "docker-compose.yml")[0]["services"]
    assert all(port.startswith("127.0.0.1:") for port in compose["kafka"]["ports"])
    kustomization = _documents(DEPLOY / "k8s" / "kustomization.yaml")[0]
    policies = [
        doc
        for resource in kustomization["resources"]
        for doc in _documents(DEPLOY / "k8s" / resource)
        if doc["kind"] == "NetworkPolicy"
    ]
    guarded = {p["spec"]["podSelector"]["matchLabels"]["app"] for p in policies}
    assert guarded >= {"kafka", "redis"}


def test_metrics_are_served_off_the_public_port() -> None:
    compose = _documents(DEPLOY / "docker-compose.yml")[0]["services"]
    for name in SERVICES:
        assert compose[name]["environment"]["METRICS_PORT"] == "9100", name
        assert all("9100" not in port for port in compose[name]["ports"]), name
    config = _documents(DEPLOY / "k8s" / "config.yaml")[0]["data"]
    assert config["METRICS_PORT"] == "9100"
    services = _documents(DEPLOY / "k8s" / "services.yaml")
    exposed = [p for d in services if d["kind"] == "Service" for p in d["spec"]["ports"]]
    assert all(p["targetPort"] != 9100 for p in exposed)


def _pins(lock: Path) -> dict[str, str]:
    return dict(
        line.split(" ", 1)[0].split("==", 1)
        for line in lock.read_text().splitlines()
        if "==" in line and not line.startswith((" ", "#"))
    )


def test_the_image_installs_the_hashed_versions_the_tests_run_on() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "--require-hashes -r requirements/runtime.txt" in dockerfile
    assert "--no-build-isolation" in dockerfile
    runtime = _pins(ROOT / "requirements" / "runtime.txt")
    development = _pins(ROOT / "requirements" / "dev.txt")
    assert {name: development.get(name) for name in runtime} == runtime
