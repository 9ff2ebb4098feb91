# tests/fakes: contract doubles and their self-tests

# SSO stand-in (tests/fakes/sso) and its self-test; the test finds the fake
# next to itself, so it runs from an out-of-tree build too.
TESTS += tests/fakes/test_sso.py
EXTRA_DIST += tests/fakes/sso tests/fakes/sso-seed.json tests/fakes/test_sso.py
