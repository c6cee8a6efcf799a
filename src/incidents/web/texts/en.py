"""The console in English."""

from __future__ import annotations

from incidents.domain.access import Role
from incidents.domain.incident import Source, Status
from incidents.web.texts import Texts

TEXTS = Texts(
    lang="en",
    app_name="Incidents",
    skip_to_content="Skip to content",
    nav_incidents="Incidents",
    nav_report="Report an incident",
    signed_in_as="{name} · {role}",
    sign_out="Sign out",
    statuses={
        Status.NEW: "New",
        Status.IN_PROGRESS: "In progress",
        Status.RESOLVED: "Resolved",
        Status.CLOSED: "Closed",
    },
    sources={
        Source.OPERATOR: "Operator",
        Source.MONITORING: "Monitoring",
        Source.PARTNER: "Partner",
    },
    roles={Role.REPORTER: "reporter", Role.OPERATOR: "operator", Role.ADMIN: "admin"},
    actions={
        (Status.NEW, Status.IN_PROGRESS): "Take",
        (Status.IN_PROGRESS, Status.RESOLVED): "Resolve",
        (Status.RESOLVED, Status.IN_PROGRESS): "Reopen",
        (Status.RESOLVED, Status.CLOSED): "Close",
    },
    sign_in_title="Sign in",
    sign_in_intro="Sign in with the account an admin made for you.",
    username="Username",
    password="Password",
    sign_in_button="Sign in",
    signed_out="You have signed out.",
    session_ended="Your session has ended. Sign in again.",
    list_title="Incidents",
    status_tabs_label="Incidents by status",
    all_statuses="All",
    filters_label="Filter incidents",
    source_label="Source",
    any_source="Any source",
    search_label="Search the descriptions",
    search_hint="Every word must occur; letter case does not matter.",
    apply_filters="Apply",
    clear_filters="Clear",
    column_id="#",
    column_status="Status",
    column_source="Source",
    column_description="Description",
    column_age="Age",
    column_reporter="Reported by",
    no_incidents="No incidents match.",
    showing="{first}–{last} of {total}",
    pagination_label="Pages",
    previous_page="← Newer",
    next_page="Older →",
    age_now="just now",
    age_minutes="{n} min",
    age_hours="{n} h",
    age_days="{n} d",
    incident_title="Incident #{id}",
    back_to_list="← All incidents",
    field_status="Status",
    field_source="Source",
    field_reported_by="Reported by",
    field_created="Reported",
    field_updated="Last changed",
    field_version="Version",
    description="Description",
    actions_title="Change the status",
    no_actions="The incident is closed; its status can not change any more.",
    read_only="You may read and report incidents; changing them needs the operator role.",
    note_title="Add a note",
    note_label="Note",
    note_button="Add the note",
    timeline_title="History",
    event_created="reported the incident",
    event_status_changed="changed the status from {before} to {after}",
    event_note_added="added a note",
    timeline_truncated="The first {shown} of {total} events are shown.",
    report_title="Report an incident",
    report_description_label="What happened?",
    report_description_hint="The first line is shown in the list. At most {max} characters.",
    report_source_label="Source",
    report_button="Report",
    error_title="Something is wrong",
    go_home="Go to the incident list",
    error_wrong_credentials="Wrong username or password.",
    error_account_disabled="This account is disabled. Ask an admin to help.",
    error_too_many_failures=(
        "Too many failed sign-ins for this username. Try again in {minutes} min."
    ),
    error_csrf=(
        "This form has expired or did not come from this console, so nothing was done. "
        "Reload the page and try again."
    ),
    error_version_mismatch=(
        "Someone changed this incident after you opened it, so your change was not applied. "
        "Below is its current state: check it and try again."
    ),
    error_illegal_transition="The incident is {current} now; it can not move to {target}.",
    error_forbidden="This needs the {needed} role; you are {role}.",
    error_incident_not_found="Incident {id} does not exist.",
    error_page_not_found="There is no such page.",
    error_invalid_text="The text must not be blank and may be at most {max} characters long.",
    error_invalid_choice="Choose one of the values offered.",
    error_form_reused="This form was already sent with other content. Open a new form.",
    error_storage="The database is not answering right now. Try again in a few seconds.",
    error_unexpected=(
        "Something went wrong on our side. Try again; if it keeps failing, tell an admin."
    ),
)
