"""Server-rendered pages: the workspace (sign-in, invitations), language choice, dev pages."""
