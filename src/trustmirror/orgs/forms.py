from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from trustmirror.orgs.importing import MAX_FILE_BYTES

MAX_UPLOAD_BYTES = MAX_FILE_BYTES


class PeopleImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_("Columns: name, email, language, unit, lead; optional band_… columns."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB."),
                code="too_large",
                params={"mb": MAX_UPLOAD_BYTES // 1024 // 1024},
            )
        return upload

    def import_failed(self, errors_id: str) -> None:
        """Mark the file field invalid and point it at the import's problems (``errors_id``).

        Those are listed above the form, not as the field's own errors, so Django does not
        link them; a screen reader then reads them when the field gets focus.
        """
        self.fields["file"].widget.attrs.update(
            {
                "aria-invalid": "true",
                "aria-describedby": f"{errors_id} {self['file'].auto_id}_helptext",
            }
        )
