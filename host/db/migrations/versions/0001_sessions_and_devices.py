"""Athletes, devices, tokens, pairing codes and synced sessions.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "athletes",
        sa.Column("athlete_id", sa.String(64), primary_key=True),
        sa.Column("position", sa.String(8), nullable=True),
        sa.Column("prior_injuries", sa.Integer(), nullable=False),
        sa.Column("created", TS, nullable=False),
    )
    op.create_table(
        "devices",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("device_id", sa.String(64), nullable=False, unique=True),
        sa.Column("created", TS, nullable=False),
    )
    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("device_id", sa.String(64), sa.ForeignKey("devices.device_id"), nullable=True),
        sa.Column("label", sa.String(128), nullable=True),
        sa.Column("created", TS, nullable=False),
        sa.Column("revoked", TS, nullable=True),
    )
    op.create_table(
        "registration_codes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("expires", TS, nullable=False),
        sa.Column("used", TS, nullable=True),
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column(
            "athlete_id", sa.String(64), sa.ForeignKey("athletes.athlete_id"), nullable=False
        ),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("device_id", sa.String(64), nullable=True),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("duration_min", sa.Float(), nullable=False),
        sa.Column("type", sa.String(16), nullable=True),
        *(
            sa.Column(name, sa.Float(), nullable=True)
            for name in (
                "rpe",
                "srpe_load",
                "distance_m",
                "hsr_m",
                "sprints",
                "accels",
                "decels",
                "player_load",
                "hr_mean",
                "hr_max",
            )
        ),
        sa.Column("wellness", sa.JSON(), nullable=True),
        sa.Column("actions", sa.JSON(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("received", TS, nullable=False),
        sa.UniqueConstraint("session_id", "athlete_id", name="uq_session_athlete"),
    )
    op.create_index("ix_sessions_athlete_id", "sessions", ["athlete_id"])
    op.create_index("ix_sessions_date", "sessions", ["date"])


def downgrade() -> None:
    op.drop_index("ix_sessions_date", "sessions")
    op.drop_index("ix_sessions_athlete_id", "sessions")
    for table in ("sessions", "registration_codes", "tokens", "devices", "athletes"):
        op.drop_table(table)
