"""Who may call the API: partner keys, staff tokens, permissions, throttles. (Being built: issue #3.)"""

from rest_framework.permissions import DjangoModelPermissions


class ModelPermissionsOrPartnerReadOnly(DjangoModelPermissions):
    pass
