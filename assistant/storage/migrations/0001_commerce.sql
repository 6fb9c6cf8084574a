-- Commerce data the recommender and the segments are trained from: customers, products, order lines.
-- No foreign keys from order lines: an order file may name customers or products before their own files are imported;
-- the order import adds a minimal row for each unknown customer and product instead.
CREATE TABLE IF NOT EXISTS customers (
    customer_id TEXT PRIMARY KEY,
    email TEXT,
    name TEXT,
    country TEXT,
    signup_date TEXT
);
CREATE TABLE IF NOT EXISTS products (
    sku TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    category TEXT NOT NULL DEFAULT '',
    subcategory TEXT NOT NULL DEFAULT '',
    price REAL,
    currency TEXT,
    description TEXT NOT NULL DEFAULT ''
);
-- One row per order line. (order_id, line_no) is the identity: line_no counts the lines of one order in file order,
-- so re-importing the same file updates the same rows instead of adding copies.
CREATE TABLE IF NOT EXISTS order_lines (
    order_id TEXT NOT NULL,
    line_no INTEGER NOT NULL,
    customer_id TEXT NOT NULL,
    sku TEXT NOT NULL,
    quantity REAL NOT NULL,
    unit_price REAL NOT NULL,
    currency TEXT NOT NULL,
    ordered_at TEXT NOT NULL,
    PRIMARY KEY (order_id, line_no)
);
CREATE INDEX IF NOT EXISTS ix_order_lines_customer ON order_lines (customer_id, ordered_at);
CREATE INDEX IF NOT EXISTS ix_order_lines_sku ON order_lines (sku)
