"""The admin console's pages, one module per area."""
