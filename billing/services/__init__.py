"""Every write to billing data, one module per subject. Each service checks the policy first: the Django
admin and the management commands call services too."""
