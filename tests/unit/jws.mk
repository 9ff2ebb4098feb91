# tests/unit/jws.mk
