# app/api
