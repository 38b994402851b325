"""The old Flask users app, as the Flask tutorial writes it: plain sqlite3 through `g`,
werkzeug password hashes, JSON views. Run under gunicorn (sync workers). The database file
comes from FLASK_USERS_DB.
"""

from __future__ import annotations

import os
import sqlite3

from flask import Flask, g, jsonify, request
from werkzeug.security import check_password_hash, generate_password_hash

from bench.data import PASSWORD, user_email, user_name

SCHEMA = """
DROP TABLE IF EXISTS users;
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT UNIQUE NOT NULL,
    email TEXT UNIQUE NOT NULL,
    password_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
"""

app = Flask(__name__)
app.config["DATABASE"] = os.environ.get("FLASK_USERS_DB", "users.db")


def get_db() -> sqlite3.Connection:
    if "db" not in g:
        g.db = sqlite3.connect(app.config["DATABASE"])
        g.db.row_factory = sqlite3.Row
    return g.db


@app.teardown_appcontext
def close_db(_exc: BaseException | None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


def user_dict(row: sqlite3.Row) -> dict:
    return {
        "id": row["id"],
        "username": row["username"],
        "email": row["email"],
        "created_at": row["created_at"],
    }


@app.post("/register")
def register():
    data = request.get_json(silent=True) or {}
    username, email, password = data.get("username"), data.get("email"), data.get("password")
    if not username or not email or not password:
        return jsonify(error="username, email and password are required"), 400
    db = get_db()
    try:
        cursor = db.execute(
            "INSERT INTO users (username, email, password_hash) VALUES (?, ?, ?)",
            (username, email, generate_password_hash(password)),
        )
        db.commit()
    except sqlite3.IntegrityError:
        return jsonify(error="user already exists"), 409
    row = db.execute("SELECT * FROM users WHERE id = ?", (cursor.lastrowid,)).fetchone()
    return jsonify(user_dict(row)), 201


@app.post("/login")
def login():
    data = request.get_json(silent=True) or {}
    row = (
        get_db()
        .execute("SELECT * FROM users WHERE username = ?", (data.get("username"),))
        .fetchone()
    )
    if row is None or not check_password_hash(row["password_hash"], data.get("password", "")):
        return jsonify(error="invalid credentials"), 401
    return jsonify(message="logged in", user=user_dict(row))


@app.get("/users")
def list_users():
    rows = get_db().execute("SELECT * FROM users ORDER BY id").fetchall()
    return jsonify([user_dict(row) for row in rows])


@app.get("/users/<int:user_id>")
def get_user(user_id: int):
    row = get_db().execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
    if row is None:
        return jsonify(error="user not found"), 404
    return jsonify(user_dict(row))


@app.delete("/users/<int:user_id>")
def delete_user(user_id: int):
    db = get_db()
    deleted = db.execute("DELETE FROM users WHERE id = ?", (user_id,)).rowcount
    db.commit()
    if not deleted:
        return jsonify(error="user not found"), 404
    return "", 204


def seed(path: str, users: int) -> list[int]:
    """Create the schema and `users` users; return their ids."""
    hashed = generate_password_hash(PASSWORD)
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA)
        db.executemany(
            "INSERT INTO users (id, username, email, password_hash) VALUES (?, ?, ?, ?)",
            [
                (i, user_name(i).replace(" ", ".").lower() + str(i), user_email(i), hashed)
                for i in range(1, users + 1)
            ],
        )
    return list(range(1, users + 1))
