//! The merge revision `alembic merge heads` would write, as text for a human.

use migdoctor_model::MigrationId;

/// Returns the text of the revision file `alembic merge -m "merge heads" heads` would create
/// for `heads` (from alembic's default `script.py.mako`), with `new_id` as its revision.
pub fn merge_revision_text(heads: &[MigrationId], new_id: &str, date: &str) -> String {
    let tuple: Vec<String> = heads.iter().map(|h| format!("'{h}'")).collect();
    let down = format!("({})", tuple.join(", "));
    let ids: Vec<&str> = heads.iter().map(MigrationId::as_str).collect();
    format!(
        "\"\"\"merge heads\n\nRevision ID: {new_id}\nRevises: {revises}\nCreate Date: {date}\n\n\"\"\"\nfrom typing import Sequence, Union\n\nfrom alembic import op\nimport sqlalchemy as sa\n\n\n# revision identifiers, used by Alembic.\nrevision: str = '{new_id}'\ndown_revision: Union[str, Sequence[str], None] = {down}\nbranch_labels: Union[str, Sequence[str], None] = None\ndepends_on: Union[str, Sequence[str], None] = None\n\n\ndef upgrade() -> None:\n    \"\"\"Upgrade schema.\"\"\"\n    pass\n\n\ndef downgrade() -> None:\n    \"\"\"Downgrade schema.\"\"\"\n    pass\n",
        revises = ids.join(", ")
    )
}
