"""The designer's studio: procedures a designer may edit, drafts, the BPMN modeler, forms and findings."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("studio", __name__)
