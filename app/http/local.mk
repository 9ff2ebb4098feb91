# app/http
