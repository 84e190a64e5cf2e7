"""Whether a new JSON Schema of an event still reads and writes like the old one.

Breaking: a removed field, a field whose type changed, a new required field, a removed enum
value. Adding optional fields or enum values is allowed (consumers ignore unknown fields).
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]


def incompatibilities(old: Schema, new: Schema) -> list[str]:
    return _compare(old, new, old, new, "")


def _resolve(schema: Schema, root: Schema) -> Schema:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = root.get("$defs", {})[name]
    return schema


def _kind(schema: Schema, root: Schema) -> Any:
    schema = _resolve(schema, root)
    if "anyOf" in schema:
        return tuple(sorted(str(_kind(member, root)) for member in schema["anyOf"]))
    if "enum" in schema:
        return "enum"
    if "const" in schema:
        return f"const:{schema['const']}"
    return schema.get("type", "any")


def _compare(old: Schema, new: Schema, old_root: Schema, new_root: Schema, path: str) -> list[str]:
    old, new = _resolve(old, old_root), _resolve(new, new_root)
    where = path or "(root)"
    old_kind, new_kind = _kind(old, old_root), _kind(new, new_root)
    if old_kind != new_kind:
        return [f"{where}: type changed from {old_kind} to {new_kind}"]
    problems: list[str] = []
    if "enum" in old:
        removed = set(old["enum"]) - set(new.get("enum", []))
        problems += [f"{where}: enum value {value!r} removed" for value in sorted(removed)]
    if "anyOf" in old:
        for old_member, new_member in zip(old["anyOf"], new["anyOf"], strict=False):
            problems += _compare(old_member, new_member, old_root, new_root, path)
    if old_kind == "object":
        old_properties = old.get("properties", {})
        new_properties = new.get("properties", {})
        for name, old_property in old_properties.items():
            field_path = f"{path}.{name}" if path else name
            if name not in new_properties:
                problems.append(f"{field_path}: removed")
                continue
            problems += _compare(old_property, new_properties[name], old_root, new_root, field_path)
        for name in sorted(set(new.get("required", [])) - set(old.get("required", []))):
            problems.append(f"{path + '.' if path else ''}{name}: new required field")
    if old_kind == "array" and "items" in old and "items" in new:
        problems += _compare(old["items"], new["items"], old_root, new_root, f"{path}[]")
    return problems
