"""Round 13 (rules-15), on invented lines: failure messages localised to Dutch, Swedish, Danish/Norwegian,
Polish, Czech, Russian, Turkish, Japanese, Simplified Chinese and Korean (as the C library, Windows, PostgreSQL
and SQL Server print them), the deadlocks and duplicate keys of the first five languages, and the general
mechanisms built on blind13's misses."""

from __future__ import annotations

import pytest

from tests.models.annotate.test_round10 import _top as _first
from tests.models.annotate.test_rules_engine import _annotate
from twspulse.joblog.error_lines import ECHOED_COMMAND, score_line
from twspulse.models.annotate.annotation import Annotation
from twspulse.models.annotate.evidence import classify_line
from twspulse.models.annotate.rule_base import TRANSLATED_FAILURE_WORDS


def _categories(line: str) -> list[str]:
    return [found.category for found in classify_line(line)]


def _annotated_as(lines: list[str], category: str, error_line: str) -> Annotation:
    """The annotation of a joblog of `lines`, checked for its category and error line."""
    annotation = _annotate("".join(f"{line}\n" for line in lines))
    assert (annotation.category, annotation.error_line) == (category, error_line)
    return annotation


@pytest.mark.parametrize(
    ("line", "category"),
    [
        # Dutch
        ("kopieer: kan '/srv/in/bon7.dat' niet openen: Bestand of map bestaat niet", "missing_file"),
        ('kasboek-lader: FOUT: aanmelding geweigerd, wachtwoord onjuist voor account "lees_robot"', "auth"),
        ("schrijven naar /var/spool/q3 mislukt: Geen ruimte meer over op apparaat", "disk_full"),
        ("rsync: verbinding geweigerd door ziltbak9 (poort 873)", "network"),
        ("Toegang geweigerd tot \\\\nas-zw\\archief", "permission"),
        # Swedish
        ("läs: /data/fakt/ut.csv: Filen eller katalogen finns inte", "missing_file"),
        ('FATAL:  lösenordsautentisering misslyckades för användare "lagret_rw"', "auth"),
        ("kopiering avbruten: Åtkomst nekas till /mnt/lager/x", "permission"),
        ("ssh: anslut till värden kvarn4: Förbindelsen vägrades", "network"),
        # Danish / Norwegian
        ("arkiv: kan ikke skrive: Ikke mere plads på enheden", "disk_full"),
        ("sikkerhed: Adgang nægtet til mappen D:\\eksport", "permission"),
        ("overføring: Ingen slik fil eller katalog: /inn/ordre.xml", "missing_file"),
        ("Pålogging mislyktes for bruker 'fjord_etl'", "auth"),
        # Polish
        ("BŁĄD:  wykryto zakleszczenie podczas aktualizacji pozycji", "db_error"),
        ('BŁĄD:  podwójna wartość klucza narusza ograniczenie unikalności "pk_wiersz"', "db_error"),
        ("cat: /dane/we/plik9.txt: Nie ma takiego pliku ani katalogu", "missing_file"),
        ("Logowanie użytkownika 'hurt_app' nie powiodło się.", "auth"),
        # Czech
        ("cp: nelze vytvořit soubor: Na zařízení není volné místo", "disk_full"),
        ("zápis selhal: Přístup odepřen", "permission"),
        ('CHYBA:  relace "sklad_pohyby" neexistuje', "db_error"),
        # Russian
        ("ОШИБКА:  обнаружена взаимоблокировка при обновлении остатков", "db_error"),
        ("cp: невозможно открыть '/опт/данные/a.txt': Отказано в доступе", "permission"),
        ("tar: /выгрузка/b.tar: Нет такого файла или каталога", "missing_file"),
        ("java.lang.OutOfMemoryError в модуле сверки: недостаточно памяти", "oom"),
        ("ssh: connect to host kedr7 port 22: Время ожидания соединения истекло", "network"),
        # Turkish
        ('HATA:  "rapor_okur" kullanıcısı için şifre doğrulaması başarısız oldu', "auth"),
        ("kopyala: Erişim engellendi: D:\\paylasim\\satis", "permission"),
        ("yükleme: Bağlantı reddedildi (sunucu elma3, port 9092)", "network"),
        ("sorgu iptal edildi: zaman aşımı süresi doldu", "timeout"),
        # Japanese
        ("Copy-Item : パス '\\\\nas-kita\\share\\z.csv' へのアクセスが拒否されました。", "permission"),
        ('エラー: ユーザー "hanbai_ro" のパスワード認証に失敗しました', "auth"),
        ("書き込み失敗: デバイスに空き領域がありません", "disk_full"),
        ("エラー: デッドロックを検出しました", "db_error"),
        # Simplified Chinese
        ("cp: 无法获取'/数据/输入/c.txt' 的文件状态(stat): 没有那个文件或目录", "missing_file"),
        ('错误:  重复键违反唯一约束"uk_dingdan"', "db_error"),
        ("psql: 错误: 无法连接到服务器: 拒绝连接", "network"),
        ("写入失败: 设备上没有空间", "disk_full"),
        # Korean
        ('오류: 중복된 키 값이 "pk_jumun" 고유 제약 조건을 위반함', "db_error"),
        ("복사 실패: 액세스가 거부되었습니다.", "permission"),
        ('치명적오류: 사용자 "kiosk_rw"의 password 인증을 실패했습니다', "auth"),
        ("요청 실패: 연결 시간 초과 (호스트 bada2)", "network"),
        # the first five: a deadlock and a duplicate key
        ("La transacción (Id. de proceso 77) quedó en interbloqueo con otro proceso.", "db_error"),
        ("ERREUR:  interblocage détecté sur la table stocks", "db_error"),
        ("FEHLER:  doppelter Schlüsselwert verletzt Unique-Constraint »artikel_pkey«", "db_error"),
        ("ERROR:  llave duplicada viola restricción de unicidad «cliente_pkey»", "db_error"),
        ('ERRORE:  un valore chiave duplicato viola il vincolo univoco "ordini_pkey"', "db_error"),
    ],
)
def test_a_localised_failure_message_gets_its_family(line: str, category: str) -> None:
    assert _first(line) == category


def test_a_connection_timeout_in_another_language_is_the_network_not_a_time_limit() -> None:
    assert "timeout" not in _categories("SSH: 接続がタイムアウトしました (ホスト umi4)")
    assert _categories("ジョブ: タイムアウトしました (上限 30 分)") == ["timeout"]


def test_no_english_word_switches_the_new_localised_readings_on() -> None:
    english = "the share is accessible again after the restart; the network route exists; duplicate key skipped"
    assert not [word for word in TRANSLATED_FAILURE_WORDS if word in english]


_JAPANESE_DENIAL = "Copy-Item : パス '\\\\nas-kita\\share\\out\\z.csv' へのアクセスが拒否されました。"
_SPANISH_DEADLOCK = (
    "La transacción (Id. de proceso 90) quedó en interbloqueo con otro proceso. Ejecute de nuevo la transacción."
)
_GROOVY_CAUSE = "Caught: groovy.lang.MissingPropertyException: No such property: outDir for class: nightly_sync"


@pytest.mark.parametrize(
    ("lines", "category", "cause"),
    [
        # a localised cause wins over the wrapper's exit line
        (["2026/01/05 03:00:01 [INFO] 集計開始", _JAPANESE_DENIAL, "[ERROR] 処理に失敗しました。終了コード=1"],
         "permission", _JAPANESE_DENIAL),
        (["05/01/2026 02:00:01 Paso 3/3: EXEC dbo.usp_Cierre", _SPANISH_DEADLOCK, "05/01/2026 ERROR: sqlcmd terminó"],
         "db_error", _SPANISH_DEADLOCK),
        # the JVM's illegal reflective access warning is never the error line
        (["WARNING: An illegal reflective access operation has occurred (shim 2.0)",
          "WARNING: Illegal reflective access by org.acme.shim.Reflector (file:/opt/shim.jar) to method x.y()",
          "WARNING: All illegal access operations will be denied in a future release of the runtime",
          _GROOVY_CAUSE, "\tat nightly_sync.run(nightly_sync.groovy:14)"],
         "script_error", _GROOVY_CAUSE),
    ],
)  # fmt: skip
def test_the_cause_wins_over_its_neighbours(lines: list[str], category: str, cause: str) -> None:
    _annotated_as(lines, category, cause)


def test_a_dutch_password_failure_names_the_user() -> None:
    line = 'kasboek-lader: FOUT: aanmelding geweigerd, wachtwoord onjuist voor account "lees_robot"'
    assert "lees_robot" in _annotated_as(["start rapportage", line], "auth", line).root_cause


@pytest.mark.parametrize(
    "echo",
    [
        "F:\\jobs\\vault\\bin>vaultcli login --token-file F:\\jobs\\keys\\t.json -q",
        "+ rsync -a --timeout=30 /srv/out/ mirror7:/in/",
        "spawn sftp -P 2222 relay@depot3.example.test",
        "deploy@kiosk9:~$ sqlplus -s etl/*** @load.sql",
    ],
)
def test_an_echoed_command_line_is_never_the_error_line(echo: str) -> None:
    assert score_line(echo) == 0
    cause = "E0415: Unable to authenticate with the stored key."
    _annotated_as([echo, "Authenticating to the key store...", cause, "job ended, exit 1"], "auth", cause)


def test_a_dotnet_assembly_that_does_not_load_is_a_dependency_not_a_missing_file() -> None:
    line = (
        "Unhandled Exception: System.IO.FileNotFoundException: Could not load file or assembly 'Acme.Ledger.Db, "
        "Version=2.1.0.0, Culture=neutral' or one of its dependencies. The system cannot find the file specified."
    )
    assert _first(line) == "dependency"
    assert _first("copy.exe: The system cannot find the file specified. (D:\\in\\a.dat)") == "missing_file"


@pytest.mark.parametrize(
    ("line", "category", "not_category"),
    [
        # a database that runs out of memory is memory, not the database
        ("cube-builder: ERROR:  statement cancelled, VMEM limit exceeded on segment 7 (2100MB of 2048MB)",
         "oom", "db_error"),
        ("ERROR:  out of memory for query result (seg3 slice1 10.9.9.9:6000 pid=4242)", "oom", "db_error"),
        # a value of another type than its schema declares is bad data, not the code
        ('Exception in thread "main" org.apache.avro.AvroTypeException: Expected long. Got VALUE_STRING',
         "data_quality", "script_error"),
        ("schema check: #/amount: expected type: Number, found: String", "data_quality", "script_error"),
    ],
)  # fmt: skip
def test_a_family_that_overrules_a_neighbour(line: str, category: str, not_category: str) -> None:
    assert _first(line) == category
    assert not_category not in _categories(line)


def test_a_tcl_variable_never_set_is_the_scripts_error() -> None:
    cause = 'can\'t read "spool_dir": no such variable'
    assert _first(cause) == "script_error"
    lines = ["spawn ssh feeder@prn4.example.test", "feeder@prn4:~$ ", cause, "    while executing", "wrapper: exit 1"]
    _annotated_as(lines, "script_error", cause)


# --- the review of rounds 13 and 14: what must not be read as a failure, or as an echo --------------------
@pytest.mark.parametrize(
    "line",
    [
        "C:\\src\\ledger\\post.c:41:7: error: invalid type argument of '->' (have 'long')",
        "C:\\src\\ledger\\post.c(41): error C2227: left of '->next' must point to class/struct/union",
        "D:\\feeds\\in\\rates.csv: row 7: invalid mapping 'eur->usd'",
        "spawn java ENOENT",
        "spawn failed: No such file or directory",
    ],
)
def test_an_error_that_looks_like_a_prompt_or_a_spawn_is_no_echo(line: str) -> None:
    assert ECHOED_COMMAND.match(line) is None


@pytest.mark.parametrize(
    ("line", "not_category"),
    [
        ("列表中不存在重复项", "db_error"),  # 表 ends 列表 ("a list"): no table is named
        ("连接成功，超时设置为 30 秒", "network"),  # connected; the timeout is a setting
        ("请求超时时间：30秒", "timeout"),
        ("タイムアウト値: 30秒", "timeout"),
        ("Zaman aşımı süresi: 30 sn", "timeout"),
        ("처리할 파일이 없습니다", "missing_file"),  # "no files to process"
        ("错误: 数据验证失败: 第 12 行 字段 amount 不是数字", "auth"),  # a data check, not a sign-in
        ("WARNING: filesystem /data usage 92% - red zone", "oom"),
        ("Capacity planner: cluster CPU in red zone", "oom"),
    ],
)
def test_a_setting_or_a_progress_line_is_no_failure_of_that_family(line: str, not_category: str) -> None:
    assert not_category not in _categories(line)


def test_the_localised_timeouts_that_say_it_happened_still_read() -> None:
    assert _first("エラー: 接続がタイムアウトしました") == "network"
    assert _first("错误：操作超时") == "timeout"
    assert _first("Hata: istek zaman aşımına uğradı") == "timeout"
    assert _first('错误:  关系 "ledger_tmp" 不存在') == "db_error"
