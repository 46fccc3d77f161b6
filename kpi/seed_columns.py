"""Column names of the seed systems' tables (kpi.seeds) that screens format as rates or
days: here, apart, so that importing them loads neither pandas nor ibis."""

# Fractions 0–1, shown as 84.6%.
SEED_RATES = ("feedback_rate", "solved_rate", "share_大事", "share_小事", "share_私事",
              "signoff_rate", "deputy_resolution_rate")
# Day counts.
SEED_DAYS = ("median_signoff_days",)
