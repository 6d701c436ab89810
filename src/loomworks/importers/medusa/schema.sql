-- The Medusa system's production tables as the importer reads them: every
-- column of its production, task, design, consumption and partner modules
-- (with the columns added later, which the importer reads when present), and
-- the framework's link tables it needs. The tests and the benchmark build a
-- source database from this file; the importer itself never runs it.
-- JSON columns are jsonb, as the framework makes them.

CREATE TABLE partner (
    id text PRIMARY KEY,
    name text NOT NULL,
    handle text NOT NULL,
    logo text,
    status text NOT NULL DEFAULT 'pending',
    is_verified boolean NOT NULL DEFAULT false,
    storefront_domain text,
    website_id text,
    vercel_project_id text,
    vercel_project_name text,
    metadata jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);

CREATE TABLE partner_admin (
    id text PRIMARY KEY,
    first_name text NOT NULL,
    last_name text NOT NULL,
    email text NOT NULL UNIQUE,
    phone text,
    password_hash text,
    is_active boolean NOT NULL DEFAULT true,
    last_login timestamptz,
    partner_id text NOT NULL,
    role text NOT NULL DEFAULT 'admin',
    permissions jsonb,
    metadata jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);

CREATE TABLE design (
    id text PRIMARY KEY,
    name text NOT NULL,
    description text NOT NULL,
    inspiration_sources jsonb,
    design_type text NOT NULL DEFAULT 'Original',
    status text NOT NULL DEFAULT 'Conceptual',
    priority text NOT NULL DEFAULT 'Medium',
    origin_source text NOT NULL DEFAULT 'manual',
    target_completion_date timestamptz,
    design_files jsonb,
    thumbnail_url text,
    custom_sizes jsonb,
    color_palette jsonb,
    tags jsonb,
    estimated_cost numeric,
    designer_notes text,
    feedback_history jsonb,
    metadata jsonb,
    media_files jsonb,
    moodboard jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);

CREATE TABLE design_specifications (
    id text PRIMARY KEY,
    design_id text NOT NULL,
    title text NOT NULL,
    category text NOT NULL,
    details text NOT NULL,
    measurements jsonb,
    materials_required jsonb,
    special_instructions text,
    attachments jsonb,
    version text NOT NULL DEFAULT '1',
    status text NOT NULL DEFAULT 'Draft',
    reviewer_notes text,
    metadata jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);

CREATE TABLE design_colors (
    id text PRIMARY KEY,
    design_id text NOT NULL,
    name text NOT NULL,
    hex_code text NOT NULL,
    usage_notes text,
    "order" integer,
    metadata jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);

CREATE TABLE design_size_sets (
    id text PRIMARY KEY,
    design_id text NOT NULL,
    size_label text NOT NULL,
    measurements jsonb,
    metadata jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);

-- The commerce framework's own inventory items (only what the import reads).
CREATE TABLE inventory_item (
    id text PRIMARY KEY,
    sku text,
    title text,
    metadata jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);

-- design <-> inventory item: the bill of materials.
CREATE TABLE design_inventory_item (
    id text PRIMARY KEY,
    design_id text NOT NULL,
    inventory_item_id text NOT NULL,
    planned_quantity numeric,
    consumed_quantity numeric,
    consumed_at timestamptz,
    location_id text,
    metadata jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);

CREATE TABLE task_category (
    id text PRIMARY KEY,
    name text NOT NULL,
    description text,
    metadata jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);

CREATE TABLE task_template (
    id text PRIMARY KEY,
    name text NOT NULL,
    description text NOT NULL,
    category_id text,
    estimated_duration integer,
    priority text NOT NULL DEFAULT 'medium',
    required_fields jsonb,
    eventable boolean NOT NULL DEFAULT false,
    notifiable boolean NOT NULL DEFAULT false,
    message_template text,
    metadata jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);

CREATE TABLE production_runs (
    id text PRIMARY KEY,
    status text NOT NULL DEFAULT 'pending_review',
    run_type text NOT NULL DEFAULT 'production',
    quantity real NOT NULL DEFAULT 1,
    parent_run_id text,
    role text,
    design_id text,
    partner_id text,
    product_id text,
    variant_id text,
    order_id text,
    order_line_item_id text,
    accepted_at timestamptz,
    started_at timestamptz,
    finished_at timestamptz,
    completed_at timestamptz,
    dispatch_state text NOT NULL DEFAULT 'idle',
    dispatch_started_at timestamptz,
    dispatch_completed_at timestamptz,
    dispatch_template_names jsonb,
    snapshot jsonb NOT NULL,
    captured_at timestamptz NOT NULL,
    depends_on_run_ids jsonb,
    metadata jsonb,
    -- later columns
    lifecycle_transaction_id text,
    cancelled_at timestamptz,
    cancelled_reason text,
    finish_notes text,
    completion_notes text,
    produced_quantity real,
    rejected_quantity real,
    rejection_reason text,
    rejection_notes text,
    partner_cost_estimate numeric,
    cost_type text DEFAULT 'total',
    execution_mode text,
    sub_partner_id text,
    dispatch_template_ids jsonb,
    dispatched_template_ids jsonb,
    reminder_count integer DEFAULT 0,
    reminder_kind text,
    last_reminded_at timestamptz,
    reminder_status text,
    previous_partner_id text,
    reassign_retry_count integer DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);

CREATE TABLE production_run_policies (
    id text PRIMARY KEY,
    key text NOT NULL,
    config jsonb,
    metadata jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);

CREATE TABLE task (
    id text PRIMARY KEY,
    title text NOT NULL,
    description text,
    start_date timestamptz NOT NULL,
    end_date timestamptz,
    status text NOT NULL DEFAULT 'pending',
    priority text NOT NULL DEFAULT 'medium',
    transaction_id text,
    eventable boolean NOT NULL DEFAULT false,
    notifiable boolean NOT NULL DEFAULT false,
    message text,
    assigned_to text,
    assigned_by text,
    metadata jsonb,
    completed_at timestamptz,
    parent_task_id text REFERENCES task (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);

CREATE TABLE task_dependency (
    id text PRIMARY KEY,
    dependency_type text NOT NULL DEFAULT 'blocking',
    metadata jsonb,
    outgoing_task_id text NOT NULL,
    incoming_task_id text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);

-- production run <-> task, partner <-> task: the framework's link tables.
CREATE TABLE production_run_task (
    id text PRIMARY KEY,
    production_run_id text NOT NULL,
    task_id text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);

CREATE TABLE partner_task (
    id text PRIMARY KEY,
    partner_id text NOT NULL,
    task_id text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);

CREATE TABLE consumption_log (
    id text PRIMARY KEY,
    design_id text NOT NULL,
    inventory_item_id text NOT NULL,
    raw_material_id text,
    quantity real NOT NULL,
    unit_of_measure text NOT NULL DEFAULT 'Other',
    consumption_type text NOT NULL DEFAULT 'sample',
    is_committed boolean NOT NULL DEFAULT false,
    consumed_by text NOT NULL DEFAULT 'admin',
    consumed_at timestamptz NOT NULL DEFAULT now(),
    notes text,
    location_id text,
    metadata jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);

CREATE TABLE production_run_activity (
    id text PRIMARY KEY,
    production_run_id text NOT NULL,
    activity_type text NOT NULL,
    kind text NOT NULL,
    actor_type text NOT NULL DEFAULT 'system',
    actor_id text,
    partner_id text,
    channel text,
    message_id text,
    template_name text,
    recipient text,
    summary text,
    payload jsonb,
    occurred_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
