"""Cross-cutting helpers with no domain models, shared by every app (HTTP plumbing)."""
