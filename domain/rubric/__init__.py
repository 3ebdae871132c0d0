"""Scoring rubrics as data: a safe formula language, the TOML rubric format, and the project
and department scoring that follows a rubric (see docs/rubrics.md)."""

from bpt.domain.rubric.department import DepartmentIndicatorScore, DepartmentScore, score_department
from bpt.domain.rubric.formula import Formula, FormulaError, MissingFigures, NotComputable, parse_formula
from bpt.domain.rubric.loader import (
    DEFAULT_PROJECT_RUBRIC,
    builtin_rubric,
    builtin_rubric_names,
    load_rubric_file,
    load_rubric_text,
)
from bpt.domain.rubric.model import Rubric, RubricError
from bpt.domain.rubric.project import IndicatorFacts, IndicatorScore, ProjectScore, check_assessment, score_project

__all__ = [
    "DEFAULT_PROJECT_RUBRIC", "DepartmentIndicatorScore", "DepartmentScore", "Formula", "FormulaError",
    "IndicatorFacts", "IndicatorScore", "MissingFigures", "NotComputable", "ProjectScore", "Rubric", "RubricError",
    "builtin_rubric", "builtin_rubric_names", "check_assessment", "load_rubric_file", "load_rubric_text",
    "parse_formula", "score_department", "score_project",
]
