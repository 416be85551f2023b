"""How passwords are stored."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class DistrictArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id at the parameters OWASP's password storage guidance gives as its baseline
    (19 MiB of memory, 2 passes, 1 lane). Django's own defaults (100 MiB, 8 lanes) cost a
    sign-in several times the CPU time; when a district's hundred clerks sign in within a
    minute on a two-core server, that time is taken from every page they open."""

    memory_cost = 19 * 1024  # KiB
    time_cost = 2
    parallelism = 1
