"""The console in Russian."""

from __future__ import annotations

from incidents.domain.access import Role
from incidents.domain.incident import Source, Status
from incidents.web.texts import Texts

TEXTS = Texts(
    lang="ru",
    app_name="Инциденты",
    skip_to_content="Перейти к содержимому",
    nav_incidents="Инциденты",
    nav_report="Сообщить об инциденте",
    signed_in_as="{name} · {role}",
    sign_out="Выйти",
    statuses={
        Status.NEW: "Новый",
        Status.IN_PROGRESS: "В работе",
        Status.RESOLVED: "Решён",
        Status.CLOSED: "Закрыт",
    },
    sources={
        Source.OPERATOR: "Оператор",
        Source.MONITORING: "Мониторинг",
        Source.PARTNER: "Партнёр",
    },
    roles={Role.REPORTER: "автор", Role.OPERATOR: "оператор", Role.ADMIN: "администратор"},
    actions={
        (Status.NEW, Status.IN_PROGRESS): "Взять в работу",
        (Status.IN_PROGRESS, Status.RESOLVED): "Решено",
        (Status.RESOLVED, Status.IN_PROGRESS): "Вернуть в работу",
        (Status.RESOLVED, Status.CLOSED): "Закрыть",
    },
    sign_in_title="Вход",
    sign_in_intro="Войдите с учётной записью, которую для вас создал администратор.",
    username="Имя пользователя",
    password="Пароль",
    sign_in_button="Войти",
    signed_out="Вы вышли.",
    session_ended="Сеанс завершён. Войдите снова.",
    list_title="Инциденты",
    status_tabs_label="Инциденты по статусам",
    all_statuses="Все",
    filters_label="Отбор инцидентов",
    source_label="Источник",
    any_source="Любой источник",
    search_label="Поиск по описанию",
    search_hint="Должно встретиться каждое слово; регистр букв не важен.",
    apply_filters="Применить",
    clear_filters="Сбросить",
    column_id="№",
    column_status="Статус",
    column_source="Источник",
    column_description="Описание",
    column_age="Возраст",
    column_reporter="Автор",
    no_incidents="Подходящих инцидентов нет.",
    showing="{first}–{last} из {total}",
    pagination_label="Страницы",
    previous_page="← Новее",
    next_page="Старше →",
    age_now="только что",
    age_minutes="{n} мин",
    age_hours="{n} ч",
    age_days="{n} дн",
    incident_title="Инцидент №{id}",
    back_to_list="← Все инциденты",
    field_status="Статус",
    field_source="Источник",
    field_reported_by="Автор",
    field_created="Создан",
    field_updated="Изменён",
    field_version="Версия",
    description="Описание",
    actions_title="Изменить статус",
    no_actions="Инцидент закрыт; его статус больше не меняется.",
    read_only="Вы можете читать инциденты и сообщать о них; менять их может оператор.",
    note_title="Добавить заметку",
    note_label="Заметка",
    note_button="Добавить заметку",
    timeline_title="История",
    event_created="сообщил(а) об инциденте",
    event_status_changed="изменил(а) статус: {before} → {after}",
    event_note_added="добавил(а) заметку",
    event_occurred_again="получил(а) сигнал снова (всего {occurrences})",
    event_reopened="вернул(а) в работу, сигнал повторился: {before} → {after}",
    event_resolved="решил(а), сигнал прошёл: {before} → {after}",
    timeline_truncated="Показаны первые {shown} событий из {total}.",
    report_title="Сообщить об инциденте",
    report_description_label="Что случилось?",
    report_description_hint="Первая строка видна в списке. Не больше {max} символов.",
    report_source_label="Источник",
    report_button="Отправить",
    error_title="Что-то не так",
    go_home="К списку инцидентов",
    error_wrong_credentials="Неверное имя пользователя или пароль.",
    error_account_disabled="Эта учётная запись отключена. Обратитесь к администратору.",
    error_too_many_failures=(
        "Слишком много неудачных попыток входа под этим именем. Повторите через {minutes} мин."
    ),
    error_rate_limited="Слишком много попыток с вашего адреса. Повторите через {seconds} с.",
    error_csrf=(
        "Форма устарела или отправлена не из этой консоли, поэтому ничего не сделано. "
        "Обновите страницу и повторите."
    ),
    error_version_mismatch=(
        "Кто-то изменил инцидент, пока он был у вас открыт, поэтому ваше изменение не применено. "
        "Ниже его текущее состояние: проверьте и повторите."
    ),
    error_illegal_transition=(
        "Инцидент сейчас в статусе «{current}»; в «{target}» его не перевести."
    ),
    error_forbidden="Для этого нужна роль «{needed}»; ваша роль — «{role}».",
    error_incident_not_found="Инцидента №{id} нет.",
    error_page_not_found="Такой страницы нет.",
    error_invalid_text="Текст не должен быть пустым и может содержать не больше {max} символов.",
    error_invalid_choice="Выберите одно из предложенных значений.",
    error_form_reused="Эта форма уже отправлена с другим содержимым. Откройте новую форму.",
    error_form_files="Эта форма не принимает файлы: отправьте её со страницы, без вложений.",
    error_form_fields="В форме слишком много полей (не больше {max}): отправьте её со страницы.",
    error_form_unreadable="Форму не удалось прочитать: обновите страницу и отправьте её снова.",
    error_storage="База данных сейчас не отвечает. Повторите через несколько секунд.",
    error_unexpected=(
        "У нас что-то сломалось. Повторите; если не получится, сообщите администратору."
    ),
)
