"""The words that tell an untagged problem report from chatter, in Russian and English.

Written as people write them, comma-separated; the rules stem them with the same stemmer as
each message, so one form here matches its inflections (не работает, не работают, не
работал). Where a stemmer keeps two stems apart (выгрузился / выгружен), both forms are listed.
"""

from __future__ import annotations


def _phrases(text: str) -> tuple[str, ...]:
    """The comma-separated phrases of a block of text (a line break is a space)."""
    return tuple(" ".join(phrase.split()) for phrase in text.split(",") if phrase.strip())


# Something is wrong: a failure, an outage, a breakage, an error.
PROBLEMS: tuple[str, ...] = _phrases(
    """
    не работает, не отвечает, не в сети, не на связи, нет связи, нет сети, нет интернета,
    нет данных, потерял связь, офлайн, оффлайн, не выгрузился, не выгружен, не выгружается,
    не прошла, не проходит, не грузится, не загружается, не открывается, не включается,
    не заряжается, не заряжает, не печатает, не пробивает, не принимает, не приходят, не пришёл,
    не доходят, не передаёт, не отображаются, не видны, не разблокируется, не блокируется,
    не завершается, не завершить, не подключиться, не едет, не идёт, не сформирован,
    не сформировался, не отработала, не помогает, сломан, сломался, неисправен, упал, падает,
    вылетает, ошибка, сбой, завис, тормозит, перезагружается, пропал, погас, погнут, разбит,
    разряжен, пустой, неправильно, списали дважды, двойное списание, проблема, не обновляется,
    не реагирует, не запускается, не синхронизируется, не сохраняется, недоступен, глючит, глюк,
    отвалился, молчит, выключен, выключился, признаков жизни,
    not working, not responding, not loading, not arriving, not delivered, not sending,
    not printing, not charging, not unlock, not lock, not run, not end, not load, not print,
    not respond, stopped working, never uploaded, no response, no connection, no signal,
    no data, lost connection, offline, down, broken, failed, failing, error, stuck, frozen,
    crashes, timeout, dead, damaged, disappeared, keeps rebooting, empty, double charge,
    unreachable, unavailable, missing, declined, hanging, blank, drained, not move, not start,
    not open, not updating, not connect, glitch, bug
    """
)

# The things this team reports about: a problem word near one of them is a report.
THINGS: tuple[str, ...] = _phrases(
    """
    самокат, точка, терминал, отчёт, выгрузка, загрузка, сервер, касса, принтер, станция,
    зарядка, зарядная, приложение, оплата, платёж, платёжный, сайт, админка, кабинет, трекер,
    замок, тормоз, экран, камера, интернет, система, синхронизация, смс, уведомления, пуши,
    чеки, поездка, база, шлюз, карта, клиенты,
    scooter, point, terminal, report, upload, export, server, register, printer, station, app,
    payment, website, admin, dashboard, tracker, lock, screen, camera, system, sync, api, sms,
    notifications, receipts, ride, gateway, map, kiosk, login, checkout, billing, customers
    """
)

# It is fine again, or was never wrong: such a message is news, not a report.
SETTLED: tuple[str, ...] = _phrases(
    """
    заработало, починили, исправили, восстановили, снова в сети, снова работает, всё работает,
    нашёлся, всё ок, всё в порядке, отбой, ложная тревога, нет проблем, проблем нет,
    без проблем,
    back online, working again, works now, fixed, resolved, all good, false alarm, no problem,
    calm down
    """
)

# A message made only of these is an acknowledgement or thanks.
ACKNOWLEDGEMENTS: frozenset[str] = frozenset(
    _phrases(
        """
        ага, благодарю, большое, да, нет, ок, окей, понял, поняла, принял, приняла, спасибо,
        спс, хорошо,
        1, got, it, no, noted, ok, okay, thank, thanks, thx, ty, yes, you
        """
    )
)

# Words a question starts with: a message that only asks is not a report.
QUESTION_WORDS: frozenset[str] = frozenset(
    _phrases(
        """
        а, где, как, какой, когда, кто, подскажите, почему, сколько, что,
        anyone, are, can, do, does, how, is, what, when, where, who, why
        """
    )
)

# Short words a phrase may skip over: "не может завершить" is "не завершить".
FILLERS: frozenset[str] = frozenset(
    _phrases(
        """
        в, деньги, могу, могут, может, на, опять, снова, совсем, у, уже,
        a, again, are, can, gps, is, still, the, to, was
        """
    )
)
