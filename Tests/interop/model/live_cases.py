"""The live checks the random runs do not make, run once per check.py invocation with the first seed:
presence (presence_checks.py; under concurrent joins and leaves: presence_race.py), share links over time (share_checks.py), live role changes
(role_checks.py), limits on a tandemd with tiny ones (limit_checks.py) and count limits by every path
(count_limits.py). Each takes the shared
server and a seed, and raises Mismatch at its first divergence from docs/protocol.md."""
import random

from count_limits import count_limits_case
from limit_checks import limits_case
from presence_checks import presence_case
from presence_race import presence_race_case
from role_checks import role_case
from share_checks import share_case


def run_live(server, seed):
    """Runs every live case; yields (name, None) or (name, the Mismatch or error it raised)."""
    cases = [("presence", lambda rng, tag: presence_case(server, rng, tag)),
             ("presence race", lambda rng, tag: presence_race_case(server, rng, tag)),
             ("share links over time", lambda rng, tag: share_case(server, rng, tag)),
             ("role changes", lambda rng, tag: role_case(server, rng, tag)),
             ("limits", lambda rng, tag: limits_case(server.tandemd, rng, tag)),
             ("count limits", lambda rng, tag: count_limits_case(server.tandemd, rng, tag))]
    for name, case in cases:
        try:
            case(random.Random(seed), f"s{seed}")
            yield name, None
        except Exception as e:  # reported with the case's name; the run goes on to the seeds
            yield name, e
