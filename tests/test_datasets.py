"""gmm_recovery.datasets: reading a user's columns, and every refusal it promises."""

import os
import threading

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from gmm_recovery.datasets import excerpt, load_columns


def _write(tmp_path, content, name="d.csv"):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


def _refused(path, columns, message, **kwargs):
    with pytest.raises(ValueError) as e:
        load_columns(path, columns, name="d", **kwargs)
    text = str(e.value)
    assert "\n" not in text and message in text, text
    return text


GOOD = "v\n" + "".join(f"{160 + i % 9}.5\n" for i in range(20))


def test_duplicated_header_column_is_refused_naming_column_and_file(tmp_path):
    path = _write(tmp_path, "v,v,w\n" + "".join(f"{i},{2 * i},{i % 3}\n" for i in range(10)))
    _refused(path, ["v"], f"dataset 'd' ({path}): column 'v' appears 2 times in the header "
                          "(fields 1, 2)")
    # A column that is not asked for may repeat another's name: it is not read.
    assert load_columns(path, ["w"], name="d").x.shape == (10,)


def test_a_column_asked_for_twice_is_refused(tmp_path):
    path = _write(tmp_path, "a,b\n" + "".join(f"{i},{i % 4}\n" for i in range(10)))
    _refused(path, ["a", "a"], "column 'a' is asked for twice")


def test_a_file_that_is_no_table_is_not_quoted(tmp_path):
    lines = ["root:x:0:0:root:/root:/bin/bash", "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin",
             "me:x:1000:1000:Me Myself,,,:/home/me:/bin/bash", "secret:token-abc123:9:9::/:/bin/sh"]
    path = _write(tmp_path, "\n".join(lines) + "\n", "passwd")
    text = _refused(path, ["height"], "not a table of numbers").replace(str(path), "")
    for line in lines:
        for part in line.split(":"):
            if len(part) > 3:
                assert part not in text, part


def test_quoted_content_is_a_short_escaped_excerpt(tmp_path):
    cell = "\x1b[31m" + "x" * 200
    path = _write(tmp_path, "v\n1\n2\n" + cell + "\n4\n")
    text = _refused(path, ["v"], "column 'v' has 1 non-numeric cell(s), at line(s) 4 (first: ")
    assert "\x1b" not in text and "\\x1b" in text and "x" * 41 not in text and "…" in text
    long_name = "n" * 300
    path = _write(tmp_path, f"{long_name},w\n1,2\n3,4\n")
    text = _refused(path, ["v"], "column 'v' not found; the file has column(s) ")
    assert len(text) < 200 + len(str(path))
    assert excerpt("a\tb") == "'a\\tb'" and excerpt("y" * 50, 5) == "'yyyyy'…"


@pytest.mark.parametrize("make, message", [
    (lambda p: p.mkdir(), "is a directory, not a data file"),
    (lambda p: None, "file not found"),
])
def test_a_path_that_is_no_file_says_what_it_is(tmp_path, make, message):
    path = tmp_path / "data.csv"
    make(path)
    _refused(path, ["v"], f"dataset 'd' ({path}): {message}")


def test_a_device_is_refused_without_reading_it():
    # /dev/zero never ends: reading it would hang; it is refused by its kind.
    _refused("/dev/zero", ["v"], "is a character device")


def test_a_named_pipe_is_read_as_a_stream_only_when_asked(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    _refused(fifo, ["v"], "is a named pipe (FIFO)")  # the workflow reads a dataset twice

    def feed():
        with open(fifo, "w") as f:
            f.write(GOOD)

    writer = threading.Thread(target=feed)
    writer.start()
    data = load_columns(fifo, ["v"], name="d", streams=True)
    writer.join()
    assert data.x.shape == (20,) and data.x[0] == 160.5


@pytest.mark.parametrize("raw, message", [
    ("v\n1.5\n2.5\nh\xf6he\n".encode("latin-1"),
     "line 4, byte 2 (0xf6) is not UTF-8 text; the file is probably Latin-1"),
    (GOOD.encode("utf-16"), "is UTF-16 encoded (it starts with a UTF-16 byte-order mark)"),
    (GOOD.encode("utf-16-le"), "line 1 contains NUL bytes: this is UTF-16 text without a "
                               "byte-order mark or a binary file"),
])
def test_encoding_problems_are_named_with_their_line(tmp_path, raw, message):
    _refused(_write(tmp_path, raw), ["v"], message)
    # The same bytes given directly (standard input) get the same message.
    _refused("<stdin>", ["v"], message, text=raw)


def test_utf8_with_a_byte_order_mark_and_non_ascii_header(tmp_path):
    path = _write(tmp_path, ("höhe\n" + GOOD[2:]).encode("utf-8-sig"))
    assert load_columns(path, ["höhe"]).x.shape == (20,)


def test_the_array_checks_agree_with_the_line_by_line_ones(tmp_path):
    # The byte-array layout check (quotes or not) says what the line-by-line
    # csv-module check says.
    from gmm_recovery.datasets import _check_layout

    rows = "".join(f"{i}.5,{i % 3}\n" for i in range(30))
    for body, message in [(rows.replace("7.5,1\n", "7.5,1,9\n"),
                           "line 9 has 3 fields but the header has 2"),
                          (rows.replace("4.5,1\n", "4.5\n"),
                           "line 6 has 1 fields but the header has 2"),
                          (rows.replace("\n", ",\n"), "every row ends with a trailing comma")]:
        for header in ("a,b\n", '"a","b"\n'):
            text = header + body
            arrays = _refused(_write(tmp_path, text), ["a"], message)
            with pytest.raises(ValueError) as e:
                _check_layout(text.splitlines(), ",", ".", "dataset 'd' (" +
                              str(tmp_path / "d.csv") + ")")
            assert str(e.value) == arrays


def test_r_write_csv_quoting_and_separators_inside_quotes(tmp_path):
    # R's write.csv quotes names and text: "","x","label" with row names "1".
    lines = ['"","x","label"'] + [f'"{i}",{i * 1.5},"a, b; {i}"' for i in range(1, 21)]
    path = _write(tmp_path, "\n".join(lines) + "\n")
    np.testing.assert_array_equal(load_columns(path, ["x"]).x, np.arange(1, 21) * 1.5)
    bad = lines[:5] + ['"5",7.5,"a, b",9'] + lines[6:]
    path = _write(tmp_path, "\n".join(bad) + "\n")
    _refused(path, ["x"], "line 6 has 4 fields but the header has 3")
    # A quoted field across two lines: counted line by line, as before.
    path = _write(tmp_path, 'x,note\n1,"two\nlines"\n2,b\n3,c\n')
    _refused(path, ["x"], "line 3 has 1 fields but the header has 2")


def test_blank_lines_whitespace_and_spellings_of_missing(tmp_path):
    body = "a;b\n1;2\n\n  3 ; 4 \nNA;5\n6;nUlL\n7;8\n9;10\n"
    path = _write(tmp_path, body)
    _refused(path, ["a", "b"], "column 'a' has 3 empty or NaN cell(s) at line(s) 3, 5, 6")
    data = load_columns(path, ["a", "b"], drop_missing=True)
    assert data.dropped_rows == (1, 3, 4)
    np.testing.assert_array_equal(data.x, [[1, 2], [3, 4], [7, 8], [9, 10]])


def test_decimal_commas_and_classic_mac_line_ends(tmp_path):
    path = _write(tmp_path, "h;w\r1,5;2\r2,25;3\r4;5\r")
    np.testing.assert_array_equal(load_columns(path, ["h"], decimal=",").x, [1.5, 2.25, 4])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e100,
                          max_value=1e100), min_size=3, max_size=40, unique=True),
       st.sampled_from([",", ";", "\t"]))
def test_values_are_parsed_exactly_as_python_float(tmp_path_factory, values, sep):
    # pandas' C parser is used for speed; every value must be the float that
    # Python's float() reads from the same text (round trip of repr).
    path = tmp_path_factory.mktemp("v") / "x.csv"
    path.write_text(f"x{sep}y\n" + "".join(f"{v!r}{sep}{i}\n" for i, v in enumerate(values)))
    data = load_columns(path, ["y", "x"])
    np.testing.assert_array_equal(data.x[:, 1], np.array(values))
    np.testing.assert_array_equal(data.x[:, 0], np.arange(len(values)))


def test_odd_spellings_fall_back_to_python_float(tmp_path):
    # Cells pandas' number parser refuses but float() reads ('1_000', padded
    # text, '-nan' as missing): the text path gives the old answer.
    path = _write(tmp_path, "v\n1_000\n 2.5\n3\n-nan\n5\n")
    data = load_columns(path, ["v"], drop_missing=True)
    np.testing.assert_array_equal(data.x, [1000, 2.5, 3, 5])
    assert data.dropped_rows == (3,)


def test_many_bad_cells_are_counted_over_chunks(tmp_path, monkeypatch):
    import gmm_recovery.datasets as ds

    monkeypatch.setattr(ds, "_TEXT_ROWS", 7)  # several chunks in a small file
    monkeypatch.setattr(ds, "_CHUNK", 16)  # and several byte chunks
    cells = [str(i) if i % 5 else f"x{i}" for i in range(1, 60)]
    path = _write(tmp_path, "v\n" + "\n".join(cells) + "\n")
    _refused(path, ["v"], "column 'v' has 11 non-numeric cell(s), at line(s) 6, 11, 16, 21, 26 "
                          "and 6 more (first: 'x5')")
    ok = _write(tmp_path, "v,w\n" + "".join(f"{i},{i * i}\n" for i in range(1, 60)))
    np.testing.assert_array_equal(load_columns(ok, ["w"]).x, np.arange(1, 60) ** 2)
