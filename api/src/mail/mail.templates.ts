/** A rendered email without its recipient. */
export interface RenderedMail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly devSummary: string;
  /**
   * How long after it was decided the mail is still worth delivering: the life of the code or link
   * it carries. Unset for notices (the queue's default applies).
   */
  readonly deliverWithinMs?: number;
}

const MINUTES = 60_000;

const escapeHtml = (value: string): string =>
  value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

function layout(title: string, paragraphs: string[], action?: { label: string; url: string }): string {
  const body = paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('');
  const button = action
    ? `<p><a href="${escapeHtml(action.url)}" style="background:#2563eb;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none">${escapeHtml(action.label)}</a></p>`
    : '';
  return `<!doctype html><html><body style="font-family:sans-serif;max-width:560px;margin:auto"><h2>${escapeHtml(title)}</h2>${body}${button}<p style="color:#666;font-size:12px">CloudNest</p></body></html>`;
}

/** The mails the API sends. Plain text and HTML from the same words. */
export const mailTemplates = {
  verifyEmail(link: string, username: string): RenderedMail {
    const lines = [
      `Confirm your email address to finish setting up the account "${username}".`,
      `Open this link: ${link}`,
    ];
    // Named, so that someone who receives a link for a registration they did not make (someone
    // else registered their address) can tell it is not theirs.
    const ignore = 'If you did not sign up, or that is not the username you chose, ignore this email.';
    return {
      subject: 'Confirm your email address',
      text: `${lines.join('\n\n')}\n\n${ignore}`,
      html: layout('Confirm your email address', [lines[0] as string, ignore], {
        label: 'Confirm email',
        url: link,
      }),
      devSummary: `verify email: ${link}`,
      deliverWithinMs: 24 * 60 * MINUTES,
    };
  },
  accountExists(signInLink: string): RenderedMail {
    const text = `Someone tried to create an account with this email address, which already has one. If it was you, sign in instead: ${signInLink}\n\nIf it was not you, you can ignore this email.`;
    return {
      subject: 'You already have an account',
      text,
      html: layout('You already have an account', [text]),
      devSummary: 'account already exists notice',
    };
  },
  addressOfDeletedAccount(availableAfter: string): RenderedMail {
    const text = `Someone tried to create an account with this email address. It belongs to an account that was deleted, whose data is kept until ${availableAfter} in case the deletion was a mistake; the address can be registered again once the account has been erased after that date. If you did not delete it, contact support before then. If it was not you who tried to register, you can ignore this email.`;
    return {
      subject: 'This address belongs to a deleted account',
      text,
      html: layout('This address belongs to a deleted account', [text]),
      devSummary: 'address of a deleted account notice',
    };
  },
  passwordReset(link: string): RenderedMail {
    const text = `Someone asked to reset your password. Open this link within 1 hour to choose a new one: ${link}\n\nIf it was not you, ignore this email; your password stays as it is.`;
    return {
      subject: 'Reset your password',
      text,
      html: layout(
        'Reset your password',
        ['Someone asked to reset your password.', 'If it was not you, ignore this email.'],
        {
          label: 'Choose a new password',
          url: link,
        },
      ),
      devSummary: `password reset: ${link}`,
      deliverWithinMs: 60 * MINUTES,
    };
  },
  signInCode(code: string): RenderedMail {
    const text = `Your sign-in code is ${code}. It expires in 10 minutes. If you did not ask for it, ignore this email.`;
    return {
      subject: `Your sign-in code: ${code}`,
      text,
      html: layout('Your sign-in code', [`Your sign-in code is ${code}.`, 'It expires in 10 minutes.']),
      devSummary: `sign-in code: ${code}`,
      deliverWithinMs: 10 * MINUTES,
    };
  },
  reauthenticationCode(code: string, sessionsLink: string): RenderedMail {
    const lines = [
      `Your confirmation code is ${code}. It expires in 10 minutes.`,
      'Someone signed in to your CloudNest account asked for it, to confirm a change that needs more than a signed-in session: deleting the account, creating an API key, changing the email address or making another account an administrator.',
      `If that was not you, someone else is signed in to your account: sign out everywhere at ${sessionsLink}.`,
    ];
    return {
      subject: `Your confirmation code: ${code}`,
      text: lines.join('\n\n'),
      html: layout('Your confirmation code', lines, {
        label: 'See where you are signed in',
        url: sessionsLink,
      }),
      devSummary: `confirmation code: ${code}`,
      deliverWithinMs: 10 * MINUTES,
    };
  },
  accountLocked(minutes: number, resetLink: string): RenderedMail {
    const text = `Your account was locked for ${minutes} minutes after repeated failed sign-in attempts. If this was not you, reset your password now: ${resetLink} (a reset also unlocks the account).`;
    return {
      subject: 'Your account was locked',
      text,
      html: layout('Your account was locked', [text]),
      devSummary: `account locked for ${minutes} min`,
    };
  },
  confirmEmailChange(link: string, username: string): RenderedMail {
    const lines = [
      `Someone asked to make this the sign-in address of the CloudNest account @${username}.`,
      `Open this link within 1 hour to confirm: ${link}`,
    ];
    return {
      subject: 'Confirm your new email address',
      text: `${lines.join('\n\n')}\n\nIf it was not you, ignore this email; nothing changes.`,
      html: layout(
        'Confirm your new email address',
        [lines[0] as string, 'If it was not you, ignore this email; nothing changes.'],
        { label: 'Confirm this address', url: link },
      ),
      devSummary: `confirm email change: ${link}`,
      deliverWithinMs: 60 * MINUTES,
    };
  },
  emailChangeRequested(newEmail: string, resetLink: string): RenderedMail {
    const text = `Someone signed in to your account asked to change its sign-in address to ${newEmail}. It changes only when the link sent there is opened. If this was not you, reset your password now: ${resetLink}`;
    return {
      subject: 'A change of your email address was requested',
      text,
      html: layout('A change of your email address was requested', [text]),
      devSummary: `email change requested to ${newEmail}`,
    };
  },
  emailChanged(newEmail: string): RenderedMail {
    const text = `Your account's sign-in address was changed to ${newEmail}; mail about the account now goes there. If this was not you, contact support now.`;
    return {
      subject: 'Your email address was changed',
      text,
      html: layout('Your email address was changed', [text]),
      devSummary: `email changed to ${newEmail}`,
    };
  },
  apiKeyCreated(name: string, scopes: readonly string[], manageLink: string): RenderedMail {
    const granted = scopes.length > 0 ? scopes.join(', ') : 'none';
    const lines = [
      `A new API key named "${name}" (scopes: ${granted}) was created for your account. It keeps working after you sign out.`,
      `If this was not you, revoke it and change your password: ${manageLink}`,
    ];
    return {
      subject: 'A new API key was created',
      text: lines.join('\n\n'),
      html: layout(
        'A new API key was created',
        [lines[0] as string, 'If this was not you, revoke it and change your password.'],
        {
          label: 'Review your API keys',
          url: manageLink,
        },
      ),
      devSummary: `API key created: ${name}`,
    };
  },
  adminGranted(): RenderedMail {
    const text =
      'Your CloudNest account was made an administrator: once you sign in again, you can manage other accounts. If you did not expect this, contact support.';
    return {
      subject: 'You are now an administrator',
      text,
      html: layout('You are now an administrator', [text]),
      devSummary: 'admin role granted',
    };
  },
  accountDeleted(purgeDays: number): RenderedMail {
    const text = `Your account was deleted and signed out on every device. Its data and files will be erased in ${purgeDays} days. If this was not you, contact support before then.`;
    return {
      subject: 'Your account was deleted',
      text,
      html: layout('Your account was deleted', [text]),
      devSummary: 'account deleted',
    };
  },
  passwordSet(): RenderedMail {
    const text =
      'A password was set for your account: you can now sign in with it as well as with emailed codes. If this was not you, reset your password immediately.';
    return {
      subject: 'A password was set for your account',
      text,
      html: layout('A password was set for your account', [text]),
      devSummary: 'password set',
    };
  },
  passwordChanged(): RenderedMail {
    const text =
      'Your password was changed and your other sessions were signed out. If this was not you, reset your password immediately.';
    return {
      subject: 'Your password was changed',
      text,
      html: layout('Your password was changed', [text]),
      devSummary: 'password changed',
    };
  },
  mfaEnabled(): RenderedMail {
    const text =
      'Two-step sign-in was turned on: signing in now also takes a code from your authenticator app (or a recovery code), and your other sessions were signed out. If this was not you, reset your password and contact support.';
    return {
      subject: 'Two-step sign-in was turned on',
      text,
      html: layout('Two-step sign-in was turned on', [text]),
      devSummary: 'two-step sign-in on',
    };
  },
  mfaDisabled(): RenderedMail {
    const text =
      'Two-step sign-in was turned off: signing in no longer asks for a code from your authenticator app. If this was not you, reset your password immediately and turn it on again.';
    return {
      subject: 'Two-step sign-in was turned off',
      text,
      html: layout('Two-step sign-in was turned off', [text]),
      devSummary: 'two-step sign-in off',
    };
  },
  passkeyAdded(name: string): RenderedMail {
    const text = `A passkey named "${name}" was added to your account: it can now sign in without your password. If this was not you, remove it from your profile, reset your password and contact support.`;
    return {
      subject: 'A passkey was added to your account',
      text,
      html: layout('A passkey was added to your account', [text]),
      devSummary: `passkey added: ${name}`,
    };
  },
  passkeyRemoved(name: string): RenderedMail {
    const text = `The passkey named "${name}" was removed from your account and can no longer sign in. If this was not you, reset your password and contact support.`;
    return {
      subject: 'A passkey was removed from your account',
      text,
      html: layout('A passkey was removed from your account', [text]),
      devSummary: `passkey removed: ${name}`,
    };
  },
  mfaResetByAdmin(): RenderedMail {
    const text =
      'An administrator turned off two-step sign-in for your account (as asked when the authenticator app and the recovery codes were lost) and signed it out everywhere. Sign in with your password and turn it on again from your profile. If you did not ask for this, reset your password and contact support.';
    return {
      subject: 'Two-step sign-in was turned off by an administrator',
      text,
      html: layout('Two-step sign-in was turned off by an administrator', [text]),
      devSummary: 'two-step sign-in reset by an admin',
    };
  },
  recoveryCodesReplaced(): RenderedMail {
    const text =
      'New recovery codes were made for your two-step sign-in; the earlier ones no longer work. If this was not you, reset your password immediately.';
    return {
      subject: 'New recovery codes were made',
      text,
      html: layout('New recovery codes were made', [text]),
      devSummary: 'recovery codes replaced',
    };
  },
  newDeviceSignIn(device: string, ip: string, when: Date, sessionsLink: string): RenderedMail {
    const lines = [
      `Your account was just signed in to from a device it had not been used from recently: ${device}, from the address ${ip}, on ${when.toUTCString()}.`,
      'If this was you, there is nothing to do. If not, sign that session out, change your password and turn on two-step sign-in.',
    ];
    return {
      subject: 'New sign-in to your account',
      text: `${lines.join('\n\n')}\n\nYour sessions: ${sessionsLink}`,
      html: layout('New sign-in to your account', lines, {
        label: 'Review your sessions',
        url: sessionsLink,
      }),
      devSummary: `new sign-in: ${device} from ${ip}`,
    };
  },
  recoveryCodeUsed(remaining: number, profileLink: string): RenderedMail {
    const left =
      remaining === 0
        ? 'It was your last one: make new recovery codes now, or you cannot sign in without your authenticator app.'
        : `${remaining} unused recovery ${remaining === 1 ? 'code remains' : 'codes remain'}.`;
    const lines = [
      `A recovery code was used to sign in to your account. ${left}`,
      'If this was not you, reset your password and make new recovery codes immediately.',
    ];
    return {
      subject: 'A recovery code was used to sign in',
      text: `${lines.join('\n\n')}\n\nYour profile: ${profileLink}`,
      html: layout('A recovery code was used to sign in', lines, {
        label: 'Open your profile',
        url: profileLink,
      }),
      devSummary: `recovery code used, ${remaining} left`,
    };
  },
};

/** Every mail the API sends, by name (`MailService.send` takes the name and the arguments). */
export type MailTemplates = typeof mailTemplates;
