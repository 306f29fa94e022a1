"""Responses gain ``answer_row`` (surveys.answer_rows); submitted ones get it written now.

A response left without a line is still read correctly (from its JSON), only slower.
"""

from django.db import migrations, models


def write_rows(apps, schema_editor):
    from trustmirror.instrument import InstrumentError, load_instrument
    from trustmirror.surveys import answer_rows

    Response = apps.get_model("surveys", "Response")
    Scan = apps.get_model("surveys", "Scan")
    connection = schema_editor.connection
    pk = Response._meta.pk
    table = connection.ops.quote_name(Response._meta.db_table)
    # One prepared UPDATE for many rows (bulk_update's CASE took minutes at 100,000).
    update = f"UPDATE {table} SET answer_row = %s WHERE id = %s"
    for scan in Scan.objects.all().iterator():
        try:
            instrument = load_instrument(scan.instrument_id, scan.instrument_version, scan.form)
        except InstrumentError:
            continue
        item_ids = list(instrument.items)
        responses = (
            Response.objects.filter(scan=scan, submitted=True)
            .values_list("id", "answers")
            .iterator(2000)
        )
        batch = []
        for response_id, answers in responses:
            line = answer_rows.encode(item_ids, answers) if isinstance(answers, dict) else ""
            batch.append((line, pk.get_db_prep_value(response_id, connection)))
            if len(batch) == 2000:
                with connection.cursor() as cursor:
                    cursor.executemany(update, batch)
                batch = []
        if batch:
            with connection.cursor() as cursor:
                cursor.executemany(update, batch)


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0005_scan_form"),
    ]

    operations = [
        migrations.AddField(
            model_name="response",
            name="answer_row",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(write_rows, migrations.RunPython.noop),
    ]
