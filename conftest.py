"""Hypothesis profiles, chosen by the HYPOTHESIS_PROFILE environment variable (default ``dev``).

- ``dev``: quick feedback while editing.
- ``ci``: deterministic (derandomized), no deadline, prints the blob that reproduces a failure.
- ``thorough``: a long search, for ``nox -s property``.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=20, deadline=None)
settings.register_profile(
    "ci",
    max_examples=200,
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=3000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
