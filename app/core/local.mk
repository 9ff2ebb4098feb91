# app/core
