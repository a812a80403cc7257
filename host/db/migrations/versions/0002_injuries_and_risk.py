"""Injuries, weekly inputs and features, risk predictions and model versions.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _athlete() -> sa.Column:
    return sa.Column(
        "athlete_id", sa.String(64), sa.ForeignKey("athletes.athlete_id"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "injuries",
        sa.Column("id", sa.Integer(), primary_key=True),
        _athlete(),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("days_lost", sa.Float(), nullable=True),
        sa.Column("type", sa.String(16), nullable=True),
        sa.Column("location", sa.String(16), nullable=True),
    )
    op.create_index("ix_injuries_athlete_id", "injuries", ["athlete_id"])
    op.create_table(
        "weekly_inputs",
        sa.Column("id", sa.Integer(), primary_key=True),
        _athlete(),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.UniqueConstraint("athlete_id", "week", name="uq_weekly_input"),
    )
    op.create_table(
        "weekly_features",
        sa.Column("id", sa.Integer(), primary_key=True),
        _athlete(),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("label", sa.Float(), nullable=True),
        sa.Column("computed", TS, nullable=False),
        sa.UniqueConstraint("athlete_id", "week", name="uq_weekly_feature"),
    )
    op.create_table(
        "risk_predictions",
        sa.Column("id", sa.Integer(), primary_key=True),
        _athlete(),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("band", sa.String(8), nullable=False),
        sa.Column("drivers", sa.JSON(), nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("created", TS, nullable=False),
        sa.UniqueConstraint("athlete_id", "week", "model_version", name="uq_prediction"),
    )
    op.create_index("ix_risk_predictions_athlete_id", "risk_predictions", ["athlete_id"])
    op.create_index("ix_risk_predictions_week", "risk_predictions", ["week"])
    op.create_table(
        "model_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version", sa.String(64), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("path", sa.String(512), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("published", TS, nullable=True),
        sa.Column("created", TS, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "model_versions",
        "risk_predictions",
        "weekly_features",
        "weekly_inputs",
        "injuries",
    ):
        op.drop_table(table)
