"""What customers touch: the dashboard, its pages and how it is served."""
