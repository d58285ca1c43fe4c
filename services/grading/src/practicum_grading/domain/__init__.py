"""Grading domain: pure functions from a coded transcript to scores, feedback and reports.

No framework imports live here (no Celery, Kafka, database or HTTP client); the
entrypoints and adapters wrap these functions.
"""

# Bump when any scoring rule, lexicon or threshold changes: stored reports name the
# version that produced them so that numbers stay comparable over time.
GRADER_VERSION = "grading-domain-1.4.0"
