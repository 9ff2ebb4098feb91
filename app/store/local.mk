# app/store
