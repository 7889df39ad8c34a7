-- Trigram matching for fuzzy titles in catalogue search (a trusted extension: the database owner may create it).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
