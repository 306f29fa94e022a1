from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "trustmirror.results"
    label = "results"
    verbose_name = "Results"
