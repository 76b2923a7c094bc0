"""Who is acting: a signed-in user or a department's API token, as the services see them."""

from __future__ import annotations

from dataclasses import dataclass

from app.auth.models import CITYWIDE_ROLES, ApiToken, Role, User


@dataclass(frozen=True)
class Actor:
    """The identity a service call runs as; recorded on every audit event."""

    label: str
    role: Role
    department_id: int | None
    user_id: int | None = None
    api_token_id: int | None = None
    vendor_id: int | None = None

    @property
    def citywide(self) -> bool:
        """Whether this actor sees every department."""
        return self.role in CITYWIDE_ROLES

    def can_see_department(self, department_id: int) -> bool:
        """Staff and API tokens see only their own department."""
        return self.citywide or (self.role == Role.STAFF and self.department_id == department_id)

    @classmethod
    def for_user(cls, user: User) -> Actor:
        return cls(
            label=user.email,
            role=user.role,
            department_id=user.department_id,
            user_id=user.id,
            vendor_id=user.vendor_id if user.role == Role.VENDOR else None,
        )

    @classmethod
    def for_token(cls, token: ApiToken) -> Actor:
        return cls(
            label=f"api:{token.name}",
            role=Role.STAFF,
            department_id=token.department_id,
            api_token_id=token.id,
        )


SYSTEM = Actor(label="system", role=Role.ADMIN, department_id=None)
