CREATE TABLE "identity_api_tokens" (
	"id" text PRIMARY KEY NOT NULL,
	"client_name" text NOT NULL,
	"department_code" text,
	"scopes" text[] NOT NULL,
	"token_hash" text NOT NULL,
	"issued_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	"last_used_at" timestamp with time zone,
	CONSTRAINT "identity_api_tokens_token_hash_unique" UNIQUE("token_hash")
);
