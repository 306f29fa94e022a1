from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "trustmirror.surveys"
    label = "surveys"
    verbose_name = "Scans and answers"
