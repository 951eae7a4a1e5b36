"""intake: import batches, header mappings, chunks, validation reports, comparison runs,
results, changes, problem records, linkage candidates

Revision ID: 0002_intake
Revises: 0001_foundation
Create Date: 2026-11-28 11:30:00

Hand-written; portable SQL only (no partial indexes, no database-specific types), so the
same revision upgrades SQLite and PostgreSQL.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_intake'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None



def _area_columns():
    return [sa.Column('county_code', sa.String(length=6), nullable=False),
            sa.Column('township_code', sa.String(length=12), nullable=True),
            sa.Column('village_code', sa.String(length=12), nullable=True)]


def _index(table, *columns, name=None):
    op.create_index(name or op.f(f'ix_{table}_{columns[0]}'), table, list(columns), unique=False)


def upgrade():
    op.create_table('import_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('file_name', sa.String(length=256), nullable=False),
    sa.Column('file_hash', sa.String(length=64), nullable=False),
    sa.Column('dedupe_key', sa.String(length=100), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('file_format', sa.String(length=8), nullable=True),
    sa.Column('encoding', sa.String(length=32), nullable=True),
    sa.Column('mapping', sa.JSON(), nullable=True),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('rows_with_errors', sa.Integer(), nullable=False),
    sa.Column('issues_total', sa.Integer(), nullable=False),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.Column('invalid_ids', sa.Integer(), nullable=False),
    sa.Column('reject_reason', sa.Text(), nullable=True),
    sa.Column('county_code', sa.String(length=6), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_import_batch_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batch')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_import_batch_dedupe_key'))
    )
    for column in ('county_code', 'file_hash', 'source', 'status'):
        _index('import_batch', column)

    op.create_table('intake_header_mapping',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('header', sa.String(length=128), nullable=False),
    sa.Column('field', sa.String(length=64), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_intake_header_mapping_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_header_mapping')),
    sa.UniqueConstraint('source', 'header', name='uq_intake_header_mapping_source_header')
    )

    op.create_table('intake_chunk',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_intake_chunk_batch_id_import_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_chunk')),
    sa.UniqueConstraint('batch_id', 'seq', name='uq_intake_chunk_batch_seq')
    )

    op.create_table('validation_issue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('row_number', sa.Integer(), nullable=False),
    sa.Column('column_name', sa.String(length=128), nullable=False),
    sa.Column('value', sa.String(length=256), nullable=True),
    sa.Column('problem', sa.String(length=256), nullable=False),
    sa.Column('severity', sa.String(length=8), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_validation_issue_batch_id_import_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_validation_issue'))
    )
    _index('validation_issue', 'batch_id')

    op.create_table('intake_invalid_row',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('row_number', sa.Integer(), nullable=False),
    sa.Column('id_raw', sa.String(length=64), nullable=False),
    sa.Column('error_codes', sa.String(length=128), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=True),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('address', sa.String(length=256), nullable=True),
    sa.Column('sex', sa.String(length=1), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_intake_invalid_row_batch_id_import_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_invalid_row'))
    )
    _index('intake_invalid_row', 'batch_id')

    op.create_table('comparison_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('county_code', sa.String(length=6), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('batch_ids', sa.JSON(), nullable=False),
    sa.Column('previous_run_id', sa.Integer(), nullable=True),
    sa.Column('stage', sa.String(length=32), nullable=True),
    sa.Column('progress_done', sa.Integer(), nullable=False),
    sa.Column('progress_total', sa.Integer(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=True),
    sa.Column('diff_counts', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_comparison_run_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['previous_run_id'], ['comparison_run.id'], name=op.f('fk_comparison_run_previous_run_id_comparison_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comparison_run'))
    )
    _index('comparison_run', 'county_code')
    _index('comparison_run', 'status')

    op.create_table('comparison_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('problems', sa.String(length=160), nullable=False),
    sa.Column('missing', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=True),
    sa.Column('name', sa.String(length=64), nullable=True),
    sa.Column('household_no', sa.String(length=32), nullable=True),
    sa.Column('address', sa.String(length=256), nullable=True),
    sa.Column('in_register', sa.Boolean(), nullable=False),
    sa.Column('non_local', sa.Boolean(), nullable=False),
    sa.Column('insured_elsewhere', sa.Boolean(), nullable=False),
    sa.Column('schemes', sa.Integer(), nullable=False),
    *_area_columns(),
    sa.ForeignKeyConstraint(['run_id'], ['comparison_run.id'], name=op.f('fk_comparison_result_run_id_comparison_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comparison_result')),
    sa.UniqueConstraint('run_id', 'id_number', name='uq_comparison_result_run_person')
    )
    _index('comparison_result', 'run_id', 'status', name='ix_comparison_result_run_status')
    _index('comparison_result', 'run_id', 'village_code', name='ix_comparison_result_run_village')
    _index('comparison_result', 'run_id', 'household_no', name='ix_comparison_result_run_household')

    op.create_table('comparison_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('change', sa.String(length=24), nullable=False),
    sa.Column('before_status', sa.String(length=16), nullable=True),
    sa.Column('after_status', sa.String(length=16), nullable=True),
    sa.Column('before_problems', sa.String(length=160), nullable=True),
    sa.Column('after_problems', sa.String(length=160), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['comparison_run.id'], name=op.f('fk_comparison_change_run_id_comparison_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comparison_change'))
    )
    _index('comparison_change', 'run_id')

    op.create_table('problem_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=160), nullable=False),
    sa.Column('problem_type', sa.String(length=32), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=True),
    sa.Column('name', sa.String(length=64), nullable=True),
    sa.Column('detail', sa.String(length=512), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('row_number', sa.Integer(), nullable=True),
    sa.Column('id_raw', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('outcome', sa.String(length=32), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    *_area_columns(),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_problem_record_batch_id_import_batch')),
    sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], name=op.f('fk_problem_record_case_id_case_file')),
    sa.ForeignKeyConstraint(['run_id'], ['comparison_run.id'], name=op.f('fk_problem_record_run_id_comparison_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_problem_record')),
    sa.UniqueConstraint('run_id', 'key', name='uq_problem_record_run_key')
    )
    for column in ('case_id', 'id_number', 'key', 'problem_type', 'run_id', 'status', 'township_code',
                   'village_code'):
        _index('problem_record', column)

    op.create_table('linkage_candidate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('row_number', sa.Integer(), nullable=False),
    sa.Column('id_raw', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=True),
    sa.Column('candidate_id_number', sa.String(length=18), nullable=False),
    sa.Column('candidate_name', sa.String(length=64), nullable=True),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('reasons', sa.String(length=128), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    *_area_columns(),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_linkage_candidate_batch_id_import_batch')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_linkage_candidate_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['run_id'], ['comparison_run.id'], name=op.f('fk_linkage_candidate_run_id_comparison_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_linkage_candidate'))
    )
    for column in ('run_id', 'status', 'township_code', 'village_code'):
        _index('linkage_candidate', column)


def downgrade():
    for table in ('linkage_candidate', 'problem_record', 'comparison_change', 'comparison_result',
                  'comparison_run', 'intake_invalid_row', 'validation_issue', 'intake_chunk',
                  'intake_header_mapping', 'import_batch'):
        op.drop_table(table)
