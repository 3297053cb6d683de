"""`flask users create|disable` as an operator runs them."""

from portal.accounts.passwords import verify_password
from portal.extensions import db
from portal.models import Role, User


def test_create_an_rt_rw_head_with_the_password_from_stdin(app, runner):
    result = runner.invoke(
        args=["users", "create", "--username", "rtrw9", "--role", "rt_rw", "--kelurahan", "7371011004", "--rw", "3", "--rt", "2"],
        input="a-long-enough-password\n",
    )
    assert result.exit_code == 0, result.output
    assert "a-long-enough-password" not in result.output
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(username="rtrw9"))
        assert (user.role, user.kelurahan_code, user.rw, user.rt) == (Role.RT_RW, "7371011004", 3, 2)
        assert verify_password(user.password_hash, "a-long-enough-password")


def test_create_refuses_an_unknown_kelurahan_and_creates_nothing(app, runner):
    result = runner.invoke(
        args=["users", "create", "--username", "agent9", "--role", "agent", "--kelurahan", "7371081001", "--rw", "1"],
        input="a-long-enough-password\n",
    )
    assert result.exit_code == 1
    assert "7371081001" in result.output and "tidak dikenal" in result.output
    with app.app_context():
        assert db.session.scalar(db.select(User).filter_by(username="agent9")) is None


def test_create_refuses_a_short_password_and_an_area_role_without_rw(app, runner):
    short = runner.invoke(args=["users", "create", "--username", "staff9", "--role", "staff"], input="short\n")
    assert short.exit_code == 1 and "minimal 12" in short.output
    no_rw = runner.invoke(
        args=["users", "create", "--username", "agent9", "--role", "agent", "--kelurahan", "7371011004"],
        input="a-long-enough-password\n",
    )
    assert no_rw.exit_code == 1 and "RW" in no_rw.output


def test_disable_marks_the_account_inactive(app, runner):
    runner.invoke(args=["users", "create", "--username", "staff9", "--role", "staff"], input="a-long-enough-password\n")
    result = runner.invoke(args=["users", "disable", "staff9"])
    assert result.exit_code == 0
    with app.app_context():
        assert db.session.scalar(db.select(User).filter_by(username="staff9")).active is False
    assert runner.invoke(args=["users", "disable", "nobody"]).exit_code == 1
