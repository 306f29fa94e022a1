from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "trustmirror.delivery"
    label = "delivery"
    verbose_name = "Delivery of survey links"
