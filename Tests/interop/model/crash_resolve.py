"""After a kill (crash_run.py): the restart and its checks, every member back with `since`, and the
step the kill cut short resolved. The step's model is put back as it was before the step; the server
is then compared with that model (each session's head, checkpoints, contributions and share links;
the sessions the step could have made; templates): no difference, the step did not happen and the
model stays; any difference, the step is run again from the same random state with its first write
answered by Wild (it happened: the model applies it, the values it cannot know come from the events
and lists), and every later check compares the whole outcome, so a write half done fails there."""
from reference_model import ANY
from matching import Mismatch, now_ms, tally
from wire import Client

# Requests that change nothing (every other one counts as the step's write).
READS = ("history", "state.get", "comment.list", "contributions", "checkpoint.list", "checkpoint.get",
         "session.get", "session.list", "member.list", "session.join", "session.export", "share.list",
         "template.list")


class CrashResolve:
    def after_kill(self, hid, snap, t0):
        """Restarts tandemd and brings the run back (the home session `hid`, as random_steps'); returns
        the session the step acted on."""
        step_write, in_flight, plan = self.step_write, self.in_flight, self.plan
        self.server.proc.wait()
        left = self.server.work_left()
        if left is None:
            plan += "; the file could not be read before the restart"
        elif left[0]:
            plan += f"; {left[0]} merge job(s) left under way"
            tally("kill", "inside a stepped merge")
        if left and left[1]:
            plan += f"; {left[1]} delete(s) left under way"
            tally("kill", "inside a delete's removal")
        if left and left[2]:
            plan += f"; {left[2]} import/fork/template session(s) left hidden"
            tally("kill", "inside an import, fork or template session")
        early = self.krng.uniform(0, 0.1) if self.krng.random() < 0.25 else None
        self.server.restart(early)
        if early is not None:
            plan += f"; the next start killed too, {early * 1000:.0f} ms in"
            tally("kill", "a start killed too")
        self.server.integrity()
        self.server.leftovers()
        for u in self.users:
            events = self.clients[u].events
            self.clients[u].close()
            self.clients[u] = Client(self.server.url, self.tokens[u], u)
            self.clients[u].events = events
        if snap is not None:
            self.restore(snap)
        home = self.sessions[hid]
        refused = self.rejoin_all()
        line = f"kill {self.server.kills}: step {self.step}, {plan}; in flight {in_flight}"
        acted = home
        if snap is not None and step_write is not None:
            diffs = self.probe()
            if diffs:
                self.wild, self.replay_t0 = step_write, t0
                try:
                    acted = self.one_step(home)
                finally:
                    self.replay_t0 = None
                if self.wild is not None:
                    raise Mismatch(f"the step changed {diffs} but its replay never sent {step_write}")
                self.adopt_sessions(t0)
                line += f"; {step_write} happened ({', '.join(diffs)[:200]})"
                tally("kill", f"{step_write} happened")
            else:
                line += f"; {step_write} did not happen"
                tally("kill", f"{step_write} not done")
        else:
            tally("kill", "between writes")
        for u, sid in refused:
            if sid in self.sessions and u in self.sessions[sid].members:
                raise Mismatch(f"{u} could not join {sid} again after the restart, but the model has them a member")
        # Everything answered before the kill is there as the model says, in every session; a fresh
        # connection replays the home session from 0 and from a random `since`.
        for s in list(self.sessions.values()):
            self.check_all(s)
            self.check_shares(s)
            self.sync(s, 1)
        self.replay_check(self.sessions[hid])
        self.kill_lines.append(line)
        print("   " + line, flush=True)
        self.plan_kill()
        return acted

    def rejoin_all(self):
        """Every member joined before the kill joins again with `since` = the last event it holds:
        the backlog must be exactly head - since (the events themselves are compared with the model
        by the next check). A refusal is returned: the step may have removed the member or the
        session (after_kill checks that the model agrees)."""
        refused = []
        for (u, sid) in sorted(self.joined):
            s = self.sessions.get(sid)
            if s is None:
                continue
            since = self.join_base[(u, sid)] + len(self.clients[u].durable(sid))
            params = {"session": sid, "since": since}
            if s.created is not ANY:
                params["created"] = s.created
            r = self.clients[u].request("session.join", **params)
            self.ops += 1
            if not r.get("ok"):
                refused.append((u, sid))
                del self.joined[(u, sid)]
                continue
            res = r["result"]
            if res["backlog"] != res["head_eseq"] - since:
                raise Mismatch(f"{u} joined {sid} again since {since}: backlog {res['backlog']}, head {res['head_eseq']}")
            tally("rejoin", "backlog>0" if res["backlog"] else "backlog 0")
        return refused

    def probe(self):
        """What differs between the server and the model as it was before the step."""
        diffs = []

        def look(op, **params):
            self.ops += 1
            return self.clients["owner"].request(op, **params)
        for sid, s in sorted(self.sessions.items()):
            r = look("session.get", session=sid)
            if not r.get("ok"):
                diffs.append(f"{sid} {r['error']['code']}")
                continue
            if r["result"]["session"]["head_eseq"] != s.head_eseq:
                diffs.append(f"{sid} head {s.head_eseq} -> {r['result']['session']['head_eseq']}")
            names = [c["name"] for c in look("checkpoint.list", session=sid)["result"]["checkpoints"]]
            if names != [c["name"] for c in s.checkpoints]:
                diffs.append(f"{sid} checkpoints {names}")
            got = sorted(look("contributions", session=sid)["result"]["contributions"], key=lambda c: c["user"])
            if got != s.contributions():
                diffs.append(f"{sid} contributions")
            links = sorted((x["id"], x["revoked"]) for x in look("share.list", session=sid, include_revoked=True)["result"]["shares"])
            if links != sorted((x["id"], x["revoked"]) for x in self.shares.get(sid, [])):
                diffs.append(f"{sid} share links")
        for new in (f"m{self.seed}-b{getattr(self, 'nbranch', 0) + 1}", self.new_id("t"), self.new_id("i")):
            if look("session.get", session=new).get("ok"):
                diffs.append(f"{new} exists")
        names = sorted(t["name"] for t in look("template.list")["result"]["templates"] if t["name"].startswith(f"m{self.seed}-"))
        if names != sorted(self.templates):
            diffs.append(f"templates {names}")
        return diffs
