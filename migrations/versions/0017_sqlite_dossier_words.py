"""dossier search by words on SQLite: an FTS5 index of dossier.search_text (dossier_words), kept by triggers

Without it a name search on SQLite reads every dossier of the official's units through LIKE (22 times its cost at
10,000 dossiers when there are 1,000,000); the index skips to the dossiers holding the words typed, as the
full-text index of migration 0015 does on PostgreSQL. External content: the words stay in dossier.search_text, the
index holds only their positions. Nothing changes on PostgreSQL.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05
"""
from alembic import op


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

STATEMENTS = (
    "CREATE VIRTUAL TABLE dossier_words USING fts5(search_text, content='dossier', content_rowid='id', "
    "tokenize='unicode61', prefix='2 3')",
    "CREATE TRIGGER dossier_words_insert AFTER INSERT ON dossier BEGIN "
    "INSERT INTO dossier_words(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER dossier_words_delete AFTER DELETE ON dossier BEGIN "
    "INSERT INTO dossier_words(dossier_words, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER dossier_words_update AFTER UPDATE OF search_text ON dossier BEGIN "
    "INSERT INTO dossier_words(dossier_words, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO dossier_words(rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO dossier_words(dossier_words) VALUES ('rebuild')",
)


def upgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    for name in ('dossier_words_update', 'dossier_words_delete', 'dossier_words_insert'):
        op.execute(f'DROP TRIGGER IF EXISTS {name}')
    op.execute('DROP TABLE IF EXISTS dossier_words')
