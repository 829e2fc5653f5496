DROP TABLE client_secrets;
DROP TABLE clients;
