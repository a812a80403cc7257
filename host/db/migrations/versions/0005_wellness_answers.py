"""Daily wellness answers that come without a session (a wellness app's export).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wellness_answers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "athlete_id", sa.String(64), sa.ForeignKey("athletes.athlete_id"), nullable=False
        ),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.UniqueConstraint("athlete_id", "date", name="uq_wellness_answer"),
    )


def downgrade() -> None:
    op.drop_table("wellness_answers")
