"""reception: register numbers per receiving unit and year, online submissions, one-time form tokens, API keys

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-10
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # claimed; filled in by the reception change


def downgrade() -> None:
    pass
