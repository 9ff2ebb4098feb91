# tests/fakes: contract doubles and their self-tests
