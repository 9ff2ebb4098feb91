# app/clients
