CREATE TABLE "forms_uploads" (
	"account_id" text NOT NULL,
	"sha256" text NOT NULL,
	"mime" text NOT NULL,
	"size" integer NOT NULL,
	"scan" text NOT NULL,
	"uploaded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "forms_uploads_account_id_sha256_pk" PRIMARY KEY("account_id","sha256")
);
