"""Which Rasa Pro a Studio version may run with: the chart's pairing and Rasa's compatibility matrix.

The default Rasa Pro of a Studio version is the one the chart release of its contract shipped
(config/versions.py `rasa_pro`). Any other pairing must be one Rasa's published matrix lists
(https://rasa.com/docs/reference/changelogs/compatibility-matrix, "Studio/Pro Versions
Compatibility"), or be acknowledged with modelService.rasaPro.acknowledgeOutsideMatrix.
"""

from __future__ import annotations

from dataclasses import dataclass

from .base import version_tuple
from .versions import Contract

Version = tuple[int, int, int]


@dataclass(frozen=True)
class MatrixRow:
    """Studio versions from `first` up to (not including) `until` run Rasa Pro `rasa_pro` (major, minor)."""

    first: Version
    until: Version
    rasa_pro: tuple[int, int]


# The rows from Studio 1.7 on (older versions have no contract here). The matrix names no row for
# Studio 1.14.0 nor for 1.17.x; there only the chart's own pairing is known.
MATRIX: tuple[MatrixRow, ...] = (
    MatrixRow((1, 7, 0), (1, 10, 0), (3, 10)),  # 1.7.x, 1.8.x, 1.9.x
    MatrixRow((1, 10, 0), (1, 12, 0), (3, 11)),  # 1.10.x, 1.11.x
    MatrixRow((1, 12, 0), (1, 13, 0), (3, 12)),
    MatrixRow((1, 13, 0), (1, 14, 0), (3, 13)),
    MatrixRow((1, 14, 1), (1, 14, 4), (3, 13)),  # 1.14.1, 1.14.2, 1.14.3
    MatrixRow((1, 14, 4), (1, 15, 0), (3, 14)),  # "1.14.4 & above"
    MatrixRow((1, 15, 0), (1, 16, 0), (3, 15)),
    MatrixRow((1, 16, 0), (1, 17, 0), (3, 16)),
)


def _minor(tag: str) -> tuple[int, int]:
    major, minor, _ = version_tuple(tag)
    return major, minor


def _text(minor: tuple[int, int]) -> str:
    return f"{minor[0]}.{minor[1]}.x"


def listed_minors(studio: Version, matrix: tuple[MatrixRow, ...] = MATRIX) -> tuple[tuple[int, int], ...]:
    return tuple(row.rasa_pro for row in matrix if row.first <= studio < row.until)


def pairing_problem(
    studio_version: str, contract: Contract, rasa_pro: str, matrix: tuple[MatrixRow, ...] = MATRIX
) -> str | None:
    """Why Rasa Pro `rasa_pro` is not a known pairing for `studio_version`, or None if it is.

    Known: the chart's own pairing for the very Studio version it shipped, or a Rasa Pro minor the
    matrix lists for the version (the chart's minor where the matrix has no row).
    """
    studio = version_tuple(studio_version)
    if rasa_pro == contract.rasa_pro and studio == contract.key:
        return None
    listed = listed_minors(studio, matrix)
    allowed = listed or (_minor(contract.rasa_pro),)
    if _minor(rasa_pro) in allowed:
        return None
    source = (
        f"Rasa's compatibility matrix lists {' or '.join(map(_text, allowed))} for Studio {studio_version}"
        if listed
        else f"Rasa's compatibility matrix has no row for Studio {studio_version}; "
        f"{contract.label} paired it with {_text(allowed[0])}"
    )
    return (
        f"Rasa Pro {rasa_pro} is not a known pairing: {source} "
        f"({contract.label} shipped Rasa Pro {contract.rasa_pro}); set modelService.rasaPro.tag to a "
        f"{' or '.join(map(_text, allowed))} release, or modelService.rasaPro.acknowledgeOutsideMatrix: true "
        "to run it anyway"
    )
