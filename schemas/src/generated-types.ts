// Generated from the JSON schemas by schemas/scripts/generate-types.mjs. Do not edit.

/**
 * A DNS label: lowercase letters, digits and '-', not starting or ending with '-', at most 63 characters.
 */
export type Name = string;
/**
 * @maxItems 64
 *
 * Items: A tag.
 */
export type Tags = string[];
/**
 * A network the VM joins: its name, or its name with a static address.
 */
export type VMNetwork =
  | Name
  | {
      name: Name;
      /**
       * Static IPv4 address inside the network's subnet, not its first (the host's), network or broadcast address.
       */
      ip?: string;
    };

/**
 * A Virtual Lab Manager lab: a set of virtual machines and the networks that join them.
 */
export interface Lab {
  name: Name;
  /**
   * What the lab is for.
   */
  description?: string;
  host?: Name;
  tags?: Tags;
  /**
   * Shut down running VMs of the lab that stay idle this many minutes, 1 to 10080 (a week). Idle: CPU below idle_cpu_percent and no open console.
   */
  idle_shutdown_minutes?: number;
  /**
   * CPU use, in percent of the VM's vCPUs, below which a VM counts as idle for idle_shutdown_minutes. Default 5. Needs idle_shutdown_minutes.
   */
  idle_cpu_percent?: number;
  /**
   * Networks of the lab. Each becomes a libvirt network private to this lab.
   *
   * @maxItems 64
   */
  networks?: Network[];
  /**
   * Virtual machines of the lab.
   *
   * @minItems 1
   * @maxItems 4096
   */
  vms: VM[];
}
/**
 * A lab network.
 */
export interface Network {
  name: Name;
  /**
   * IPv4 subnet of the network in CIDR notation.
   */
  cidr: string;
  /**
   * isolated: VMs reach each other and the host only, with no DNS from the host. nat: VMs also reach outside through the host, which answers their DNS.
   */
  mode?: 'isolated' | 'nat';
  /**
   * Whether the host serves DHCP on this network.
   */
  dhcp?: boolean;
}
/**
 * A virtual machine of the lab.
 */
export interface VM {
  name: Name;
  /**
   * What the VM is for.
   */
  description?: string;
  /**
   * Number of virtual CPUs, 1 to 256.
   */
  vcpu: number;
  /**
   * Memory in MiB, 64 to 4194304.
   */
  ram_mb: number;
  /**
   * System disk size in GiB, 1 to 65536.
   */
  disk_gb: number;
  /**
   * Image the VM boots from, by catalog name.
   */
  os_image: string;
  /**
   * Networks the VM joins, by name, in the order of its interfaces.
   *
   * @maxItems 16
   */
  networks?: VMNetwork[];
  /**
   * Host port forwarded to the VM's SSH port, 22000 to 22999.
   */
  ssh_port?: number;
  /**
   * Host port of the VM's VNC display, 5900 to 5999.
   */
  vnc_port?: number;
  /**
   * VMs of this lab that must be running before this one boots.
   *
   * @maxItems 256
   */
  depends_on?: Name[];
  tags?: Tags;
  /**
   * Start the VM when the host boots (libvirt autostart); its lab networks then start with the host too.
   */
  autostart?: boolean;
  /**
   * Firmware the VM boots with.
   */
  firmware?: 'bios' | 'uefi';
  /**
   * Public keys allowed to log in over SSH, added through cloud-init.
   *
   * @maxItems 64
   *
   * Items: An OpenSSH public key line.
   */
  ssh_authorized_keys?: string[];
  /**
   * Cloud-init user data, passed to the VM through a NoCloud seed.
   */
  cloud_init?: string;
  /**
   * Inline Ansible playbook (a YAML list of plays) run against this VM once it is reachable.
   */
  ansible_config_yaml?: string;
}

/**
 * Images a lab VM can boot from.
 */
export interface ImageCatalog {
  /**
   * The images.
   */
  images: CatalogImage[];
}
/**
 * An image of the catalog.
 */
export interface CatalogImage {
  /**
   * Name used in a VM's os_image.
   */
  name: string;
  /**
   * Human-readable title.
   */
  title: string;
  /**
   * Operating system family.
   */
  os: 'linux' | 'windows' | 'bsd' | 'other';
  /**
   * User that SSH logs in as.
   */
  default_user: string;
  /**
   * Least memory the image boots with, in MiB.
   */
  min_ram_mb: number;
  /**
   * Least disk size, in GiB.
   */
  min_disk_gb: number;
  /**
   * Whether the image reads a cloud-init NoCloud seed.
   */
  cloud_init: boolean;
  /**
   * Where the image comes from.
   */
  source:
    | {
        /**
         * Downloaded by the host.
         */
        kind: 'download';
        /**
         * Image address.
         */
        url: string;
        /**
         * Checksum list address.
         */
        checksum_url: string;
        /**
         * Disk format.
         */
        format: 'qcow2' | 'raw';
      }
    | {
        /**
         * Built on the host.
         */
        kind: 'build';
        /**
         * Build script, relative to the repository.
         */
        script: string;
      };
}

/**
 * Messages between the dashboard's webview panels and the extension, and the dashboard's file that holds their data. Each side validates every message it receives against its definition and drops one of the wrong shape; the store validates the file on every read and write.
 */
export type PanelData =
  | ExpensesToExtension
  | ExpensesToPanel
  | DashboardData
  | ToolsToExtension
  | ToolsToPanel
  | TasksToExtension
  | TasksToPanel
  | VncToExtension
  | VncToPanel
  | VncPanelState
  | TopologyToExtension
  | TopologyToPanel
  | VmDetailsToExtension
  | VmDetailsToPanel;
/**
 * what the Expenses panel asks of the extension
 */
export type ExpensesToExtension =
  | {
      type: 'ready';
    }
  | {
      type: 'add';
      fields: ExpenseFields;
    }
  | {
      type: 'edit';
      id: ExpenseId;
      fields: ExpenseFields;
    }
  | {
      type: 'delete';
      id: ExpenseId;
    }
  | {
      type: 'undo';
    }
  | {
      type: 'importCsv';
    }
  | {
      type: 'exportCsv';
    }
  | {
      type: 'saveBudget';
      id?: RecordId;
      fields: BudgetFields;
    }
  | {
      type: 'deleteBudget';
      id: RecordId;
    }
  | {
      type: 'saveRate';
      rate: ExchangeRate;
    }
  | {
      type: 'deleteRate';
      from: CurrencyCode;
      to: CurrencyCode;
    };
/**
 * a calendar date as YYYY-MM-DD
 */
export type IsoDate = string;
/**
 * an ISO 4217 currency code, such as EUR or USD
 */
export type CurrencyCode = string;
/**
 * an expense id: 1 to 64 letters, digits, '_' or '-'
 */
export type ExpenseId = string;
/**
 * the id of a budget, task, roadmap, milestone or tool
 */
export type RecordId = string;
/**
 * what the extension tells the Expenses panel
 */
export type ExpensesToPanel =
  | {
      type: 'entries';
      entries: ExpenseEntry[];
      canUndo: boolean;
    }
  | {
      type: 'error';
      message: string;
    }
  | {
      type: 'derivedSpend';
      /**
       * @maxItems 100000
       */
      lines: DerivedSpend[];
      /**
       * @maxItems 100
       */
      problems: string[];
    }
  | {
      type: 'budgets';
      budgets: Budget[];
      exchangeRates: ExchangeRate[];
      focus?: RecordId;
    };
/**
 * a calendar month as YYYY-MM
 */
export type IsoMonth = string;
/**
 * an instant in UTC, as Date.toISOString writes it
 */
export type IsoTimestamp = string;
/**
 * what the Tools panel asks of the extension
 */
export type ToolsToExtension =
  | {
      type: 'ready';
    }
  | {
      type: 'add';
      fields: ToolFields;
    }
  | {
      type: 'edit';
      id: RecordId;
      fields: ToolFields;
    }
  | {
      type: 'delete';
      id: RecordId;
    }
  | {
      type: 'undo';
    }
  | {
      type: 'checkNow';
    }
  | {
      type: 'open';
      id: RecordId;
    };
/**
 * what the extension tells the Tools panel
 */
export type ToolsToPanel =
  | {
      type: 'tools';
      /**
       * @maxItems 10000
       */
      tools: Tool[];
      canUndo: boolean;
      /**
       * a health check is running
       */
      checking: boolean;
    }
  | {
      type: 'error';
      message: string;
    };
/**
 * what the Tasks panel asks of the extension
 */
export type TasksToExtension =
  | {
      type: 'ready';
    }
  | {
      type: 'addTask';
      fields: TaskFields;
    }
  | {
      type: 'editTask';
      id: RecordId;
      fields: TaskFields;
    }
  | {
      type: 'deleteTask';
      id: RecordId;
    }
  | {
      type: 'moveTask';
      id: RecordId;
      status: 'todo' | 'doing' | 'done';
      beforeId?: RecordId;
    }
  | {
      type: 'addRoadmap';
      name: string;
    }
  | {
      type: 'deleteRoadmap';
      id: RecordId;
    }
  | {
      type: 'addMilestone';
      roadmapId: RecordId;
      fields: MilestoneFields;
    }
  | {
      type: 'editMilestone';
      roadmapId: RecordId;
      id: RecordId;
      fields: MilestoneFields;
    }
  | {
      type: 'deleteMilestone';
      roadmapId: RecordId;
      id: RecordId;
    }
  | {
      type: 'undo';
    }
  | {
      type: 'sync';
    };
/**
 * what the extension tells the Tasks panel
 */
export type TasksToPanel =
  | {
      type: 'board';
      tasks: Task[];
      roadmaps: Roadmap[];
      canUndo: boolean;
    }
  | {
      type: 'error';
      message: string;
    };
/**
 * what the graphical console panel tells the extension
 */
export type VncToExtension =
  | {
      type: 'ready';
    }
  | {
      type: 'send';
      /**
       * RFB bytes for the display, base64, at most 48 KiB
       */
      data: string;
    }
  | {
      type: 'processed';
      bytes: number;
    }
  | {
      type: 'paste';
    };
/**
 * what the extension tells the graphical console panel
 */
export type VncToPanel =
  | {
      type: 'connect';
      target: VncTarget;
      /**
       * the display's VNC password, for noVNC only: never kept in the panel's state
       */
      password: string;
    }
  | {
      type: 'data';
      /**
       * RFB bytes from the display, base64, at most 192 KiB
       */
      data: string;
    }
  | {
      type: 'paste';
      text: string;
    }
  | {
      type: 'closed';
      reason: string;
    }
  | {
      type: 'problem';
      message: string;
    };
/**
 * what the Lab Topology panel asks of the extension
 */
export type TopologyToExtension =
  | {
      type: 'ready';
    }
  | {
      type: 'revealVm';
      vm: TopologyText;
    }
  | {
      type: 'openConsole';
      vm: TopologyText;
    }
  | {
      type: 'exportSvg';
      svg: string;
    };
/**
 * a name or value from a lab file, which is untrusted: shown as text only, never as markup; at most 256 characters, no control characters
 */
export type TopologyText = string;
/**
 * what the extension tells the Lab Topology panel
 */
export type TopologyToPanel =
  | {
      type: 'topology';
      /**
       * the lab file's URI: the panel keeps it in its state, so the panel reopens on the same file after a reload
       */
      uri: string;
      topology: TopologyLab;
    }
  | {
      type: 'error';
      message: string;
    };
/**
 * a VM's state on its host, from the host's tree data: notDeployed when the host has no such VM of the lab, hostUnreachable when the host is not connected
 */
export type TopologyVmState =
  'running' | 'stopped' | 'paused' | 'starting' | 'stopping' | 'crashed' | 'unknown' | 'notDeployed' | 'hostUnreachable';
/**
 * what the VM details panel asks of the extension
 */
export type VmDetailsToExtension = {
  type: 'ready';
};
/**
 * what the extension tells the VM details panel
 */
export type VmDetailsToPanel =
  | {
      type: 'vm';
      host: string;
      vm: string;
      lab?: string;
      domain: string;
      intervalMs: number;
      windowMs: number;
      /**
       * @maxItems 10000
       */
      history: VmMetricsSample[];
    }
  | {
      type: 'sample';
      sample: VmMetricsSample;
    }
  | {
      type: 'stopped';
      at: number;
    }
  | {
      type: 'problem';
      message: string;
    };

/**
 * an expense as the user enters it
 */
export interface ExpenseFields {
  date: IsoDate;
  /**
   * the amount in the currency's minor unit (cents for EUR), an integer
   */
  amountMinor: number;
  currency: CurrencyCode;
  category: string;
  note: string;
  link?: ExpenseLink;
  /**
   * the expense repeats on the same day each month
   */
  recurrence?: 'monthly';
}
/**
 * what an expense is for: a cloud provider account, a lab or a VM
 */
export interface ExpenseLink {
  kind: 'provider' | 'lab' | 'vm';
  id: string;
}
/**
 * a budget as the panel sends it to be saved. The amount may be any whole number here so that a negative one gets the budget's own sentence (budgets.ts) rather than a schema error
 */
export interface BudgetFields {
  scope: 'all' | 'category' | 'provider';
  /**
   * the category or provider the budget is for; absent when scope is all
   */
  match?: string;
  /**
   * the limit per month, in minor units
   */
  amountMinor: number;
  currency: CurrencyCode;
}
/**
 * a rate the user set: one unit of `from` is worth rateMicros millionths of `to`
 */
export interface ExchangeRate {
  from: CurrencyCode;
  to: CurrencyCode;
  rateMicros: number;
}
/**
 * a recorded expense
 */
export interface ExpenseEntry {
  id: ExpenseId;
  date: IsoDate;
  amountMinor: number;
  currency: CurrencyCode;
  category: string;
  note: string;
  link?: ExpenseLink;
  recurrence?: 'monthly';
}
/**
 * spend the extension computes rather than the user records: a local lab's running time at the cost model's prices, a cloud instance's hours at its price, or AWS Cost Explorer's figure. Shown beside the expenses, never stored as one.
 */
export interface DerivedSpend {
  source: 'local' | 'cloud' | 'costExplorer';
  date: IsoDate;
  amountMinor: number;
  currency: CurrencyCode;
  category: string;
  note: string;
  link?: ExpenseLink;
}
/**
 * a monthly spending limit, for all spend, one category or one provider
 */
export interface Budget {
  id: RecordId;
  scope: 'all' | 'category' | 'provider';
  /**
   * the category or provider the budget is for; absent when scope is all
   */
  match?: string;
  /**
   * the limit per month, in minor units
   */
  amountMinor: number;
  currency: CurrencyCode;
}
/**
 * the dashboard's file, version 2
 */
export interface DashboardData {
  schema_version: 2;
  revision: number;
  expenses: ExpenseEntry[];
  budgets: Budget[];
  budgetAlerts: BudgetAlert[];
  exchangeRates: ExchangeRate[];
  costModel?: CostModel;
  tasks: Task[];
  roadmaps: Roadmap[];
  tools: Tool[];
  github: GithubSyncSettings;
  costExplorerCache: CostExplorerCacheEntry[];
}
/**
 * an alert already shown, so no window shows it twice
 */
export interface BudgetAlert {
  budgetId: RecordId;
  month: IsoMonth;
  percent: 80 | 100;
  basis: 'actual' | 'forecast';
  shownAt: IsoTimestamp;
}
/**
 * what a local lab costs, in millionths of the currency's major unit
 */
export interface CostModel {
  currency: CurrencyCode;
  vcpuHourMicros: number;
  ramGbHourMicros: number;
  diskGbMonthMicros: number;
}
/**
 * a task on the board
 */
export interface Task {
  id: RecordId;
  title: string;
  status: 'todo' | 'doing' | 'done';
  priority: 'low' | 'normal' | 'high' | 'urgent';
  due?: IsoDate;
  /**
   * @maxItems 50
   */
  labels: string[];
  /**
   * @maxItems 50
   */
  links: TaskLink[];
  notes?: string;
  /**
   * the place in its column; smaller is higher
   */
  order: number;
  updatedAt: IsoTimestamp;
  github?: GithubLink;
}
/**
 * what a task is about: a lab, a VM or a roadmap milestone
 */
export interface TaskLink {
  kind: 'lab' | 'vm' | 'milestone';
  id: string;
}
/**
 * the GitHub item a task or milestone is synced with
 */
export interface GithubLink {
  repository: string;
  number: number;
  syncedAt?: IsoTimestamp;
  remoteUpdatedAt?: IsoTimestamp;
  /**
   * a digest of the fields as last synced, to tell which side changed
   */
  syncedHash?: string;
}
/**
 * a named timeline of milestones
 */
export interface Roadmap {
  id: RecordId;
  name: string;
  /**
   * @maxItems 1000
   */
  milestones: Milestone[];
}
/**
 * a step of a roadmap, on its timeline
 */
export interface Milestone {
  id: RecordId;
  title: string;
  start?: IsoDate;
  due?: IsoDate;
  description?: string;
  state?: 'open' | 'closed';
  updatedAt: IsoTimestamp;
  github?: GithubLink;
}
/**
 * a tool in the catalog
 */
export interface Tool {
  id: RecordId;
  name: string;
  url: string;
  category: string;
  /**
   * @maxItems 50
   */
  tags: string[];
  notes: string;
  /**
   * whether the catalog checks the URL
   */
  healthCheck: boolean;
  health?: ToolHealth;
}
/**
 * the last health check of a tool
 */
export interface ToolHealth {
  checkedAt: IsoTimestamp;
  status?: number;
  latencyMs?: number;
  error?: string;
}
/**
 * the repositories synced with GitHub, and what the last sync saw
 */
export interface GithubSyncSettings {
  /**
   * @maxItems 100
   *
   * Items: a repository the user picked
   */
  repositories: {
    repository: string;
    roadmapId: RecordId;
    /**
     * by request URL, for conditional requests
     */
    etags?: {
      [k: string]: string;
    };
    lastSyncAt?: IsoTimestamp;
  }[];
}
/**
 * one GetCostAndUsage answer kept, since each call costs money
 */
export interface CostExplorerCacheEntry {
  account: string;
  month: IsoMonth;
  fetchedAt: IsoTimestamp;
  /**
   * @maxItems 1000
   *
   * Items: the unblended cost of one service
   */
  amounts: {
    service: string;
    amountMinor: number;
    currency: CurrencyCode;
  }[];
}
/**
 * a tool as the user enters it
 */
export interface ToolFields {
  name: string;
  url: string;
  category: string;
  /**
   * @maxItems 50
   */
  tags: string[];
  notes: string;
  /**
   * whether the catalog checks the URL
   */
  healthCheck: boolean;
}
/**
 * a task as the user enters it; the extension gives its id, place and time
 */
export interface TaskFields {
  title: string;
  status: 'todo' | 'doing' | 'done';
  priority: 'low' | 'normal' | 'high' | 'urgent';
  due?: IsoDate;
  /**
   * @maxItems 50
   */
  labels: string[];
  /**
   * @maxItems 50
   */
  links: TaskLink[];
  notes?: string;
}
/**
 * a milestone as the user enters it; the extension gives its id and time
 */
export interface MilestoneFields {
  title: string;
  start?: IsoDate;
  due?: IsoDate;
  description?: string;
  state?: 'open' | 'closed';
}
/**
 * the VM a graphical console shows, as the tree names it; kept in the panel's state to reconnect after a reload
 */
export interface VncTarget {
  hostName: string;
  labName: string;
  vmName: string;
}
/**
 * what the graphical console panel keeps across reloads: the VM, never the password
 */
export interface VncPanelState {
  target: VncTarget;
}
/**
 * a lab as its file says (networks, VMs, their interfaces and forwarded ports) with each VM's state on the host
 */
export interface TopologyLab {
  /**
   * the lab file's name, for the title
   */
  file: string;
  lab: TopologyText;
  host: TopologyText;
  hostConnected: boolean;
  /**
   * @maxItems 64
   */
  networks: {
    name: TopologyText;
    cidr?: TopologyText;
    mode?: 'isolated' | 'nat';
  }[];
  /**
   * @maxItems 4096
   */
  vms: {
    name: TopologyText;
    state: TopologyVmState;
    osImage?: TopologyText;
    /**
     * the host loopback port forwarded to the guest's SSH
     */
    sshPort?: number;
    /**
     * the host loopback port of the VM's VNC display
     */
    vncPort?: number;
    /**
     * @maxItems 64
     */
    interfaces: {
      name: TopologyText;
      network: TopologyText;
      ip?: TopologyText;
    }[];
  }[];
  /**
   * why part of the lab cannot be drawn (YAML errors, a VM on a network the lab does not define)
   *
   * @maxItems 100
   */
  problems: string[];
}
/**
 * one VM's figures at one instant, as the host's sampler measured them (a figure is null when the host could not know it)
 */
export interface VmMetricsSample {
  at: number;
  state: 'no-state' | 'running' | 'blocked' | 'paused' | 'shutting-down' | 'shut-off' | 'crashed' | 'pm-suspended';
  cpuPercent: number | null;
  vcpus: number | null;
  memoryUsedBytes: number | null;
  memoryTotalBytes: number | null;
  memorySource: 'guest' | 'host-rss' | 'none';
  diskReadBytesPerSecond: number | null;
  diskWriteBytesPerSecond: number | null;
  netRxBytesPerSecond: number | null;
  netTxBytesPerSecond: number | null;
}
