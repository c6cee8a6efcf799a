"""What every language of the console fills in: one field per text the console shows."""

from __future__ import annotations

from dataclasses import dataclass

from incidents.domain.access import Role
from incidents.domain.incident import Resolution, Source, Status, Verb


@dataclass(frozen=True, slots=True)
class Texts:
    """The console's texts in one language; `{name}` parts are filled in with str.format."""

    lang: str
    app_name: str
    skip_to_content: str
    nav_incidents: str
    nav_report: str
    nav_report_short: str
    nav_overview: str
    signed_in_as: str
    sign_out: str
    statuses: dict[Status, str]
    sources: dict[Source, str]
    roles: dict[Role, str]
    # The button of each move the domain names (a dismissal has its own form: dismiss_*).
    verbs: dict[Verb, str]

    sign_in_title: str
    sign_in_intro: str
    username: str
    password: str
    sign_in_button: str
    signed_out: str
    session_ended: str

    list_title: str
    status_tabs_label: str
    all_statuses: str
    filters_label: str
    filters_button: str
    source_label: str
    any_source: str
    search_label: str
    search_hint: str
    apply_filters: str
    clear_filters: str
    column_id: str
    column_status: str
    column_source: str
    column_description: str
    column_age: str
    column_reporter: str
    no_incidents: str
    showing: str
    pagination_label: str
    previous_page: str
    next_page: str
    age_now: str
    age_minutes: str
    wait_seconds: str
    wait_minutes: str
    wait_minutes_seconds: str
    age_hours: str
    age_days: str

    incident_title: str
    back_to_list: str
    field_status: str
    field_source: str
    field_reported_by: str
    field_created: str
    field_updated: str
    field_version: str
    description: str
    actions_title: str
    no_actions: str
    read_only: str
    note_title: str
    note_label: str
    note_button: str
    timeline_title: str
    event_created: str
    event_status_changed: str
    event_note_added: str
    event_occurred_again: str
    event_reopened: str
    event_resolved: str
    timeline_truncated: str

    report_title: str
    report_description_label: str
    report_description_hint: str
    report_source_label: str
    report_button: str

    error_title: str
    go_home: str
    error_wrong_credentials: str
    error_account_disabled: str
    error_too_many_failures: str
    error_rate_limited: str
    error_csrf: str
    error_version_mismatch: str
    error_illegal_transition: str
    error_forbidden: str
    error_incident_not_found: str
    error_page_not_found: str
    error_invalid_text: str
    error_invalid_choice: str
    error_form_reused: str
    error_form_files: str
    error_form_fields: str
    error_form_unreadable: str
    error_storage: str
    error_unexpected: str

    # Owner, resolution and duplicates.
    mine_tab: str
    column_owner: str
    field_owner: str
    nobody: str
    resolutions: dict[Resolution, str]
    field_duplicate_of: str
    field_duplicates: str
    handover_title: str
    handover_label: str
    handover_button: str
    dismiss_title: str
    dismiss_label: str
    dismiss_button: str
    duplicate_title: str
    duplicate_label: str
    duplicate_button: str
    event_assigned: str
    event_unassigned: str
    event_marked_duplicate: str
    event_duplicate_added: str
    error_invalid_assignee: str
    error_invalid_duplicate: str
    error_duplicate_cycle: str

    # People by name: keys, chat members and the registry's own parts.
    person_key: str
    person_member: str
    person_system: dict[str, str]
    person_system_other: str
    owner_me: str
    owner_other: str
    event_took: str
    # How it ended, beside the status: "Closed · false alarm", "Closed · duplicate #7".
    ended: str
    ended_duplicate: str
    # Counts in words, by the language's plural categories (CLDR: one, few, many, other).
    times: dict[str, str]
    language_label: str
