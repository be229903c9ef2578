from django import forms

from notifications.models import Delivery, EventType


class PreferencesForm(forms.Form):
    """One choice of delivery per event type."""

    def __init__(self, *args, current: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for event_type, label in EventType.choices:
            self.fields[event_type] = forms.ChoiceField(
                label=label,
                choices=Delivery.choices,
                initial=current.get(event_type),
                widget=forms.RadioSelect,
                error_messages={
                    "required": "Choose how you want to hear about this.",
                    "invalid_choice": "Choose one of the options shown.",
                },
            )
