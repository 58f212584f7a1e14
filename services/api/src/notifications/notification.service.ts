import { NotificationSetting } from '@scheduler/entities';
import { auditSnapshot, recordAudit } from '../audit/audit';
import type { AppDeps } from '../deps';
import type { Caller } from '../http/auth';
import { assertMatches, type IfMatch } from '../http/etag';
import type { EmailDeliveryState } from './notification.mapper';
import type { UpdateNotificationsDto } from './notification.dto';

/** The tag of no setting yet: `updated_at` at the epoch, ETag `"0"`. */
const NO_ROW = { updatedAt: new Date(0) };

/** One member's email notifications in one workspace: the caller's `sub` in the caller's workspace, nobody else's. */
export class NotificationService {
  constructor(private readonly deps: AppDeps) {}

  /** `configured` when this server has `SMTP_URL`. */
  get delivery(): EmailDeliveryState {
    return this.deps.config.email.smtpUrl ? 'configured' : 'not_configured';
  }

  get(caller: Caller): Promise<NotificationSetting | null> {
    return this.deps.dataSource.getRepository(NotificationSetting).findOneBy({ workspaceId: caller.workspaceId, userId: caller.userId });
  }

  /**
   * Replaces the caller's setting (creates it on the first PUT). One writer at a time per member
   * (an advisory lock: there may be no row to lock yet); `If-Match` is compared with the row, or
   * `"0"` before the first.
   */
  put(caller: Caller, dto: UpdateNotificationsDto, expected: IfMatch): Promise<NotificationSetting> {
    return this.deps.dataSource.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`notifications:${caller.workspaceId}:${caller.userId}`]);
      const repo = tx.getRepository(NotificationSetting);
      const key = { workspaceId: caller.workspaceId, userId: caller.userId };
      const row = await repo.findOneBy(key);
      assertMatches(expected, row ?? NO_ROW, 'The notification settings');
      const before = auditSnapshot(tx, row ?? repo.create(key));
      // Always a new `updated_at` (and ETag), even when nothing changed.
      await tx.query(
        `INSERT INTO notification_settings (workspace_id, user_id, email, events) VALUES ($1, $2, $3, $4)
         ON CONFLICT (workspace_id, user_id) DO UPDATE SET email = EXCLUDED.email, events = EXCLUDED.events, updated_at = clock_timestamp()`,
        [caller.workspaceId, caller.userId, dto.email, dto.events],
      );
      const saved = await repo.findOneByOrFail(key);
      await recordAudit(tx, caller, {
        action: 'update',
        entityType: 'settings',
        entityId: `notifications:${caller.userId}`,
        before,
        after: auditSnapshot(tx, saved),
      });
      return saved;
    });
  }
}
